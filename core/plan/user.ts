import type { DirectoryUser } from '../directory';
import type { EventType } from '../events';
import type { LinkState } from '../links';
import type { PatchOperation } from '../mapping';
import type { ScimUser, ScimUserPayload } from '../scim-user';

/**
 * The user planner: a pure function from facts — the directory's user, the link, what the target holds —
 * to a plan: the ordered steps that bring the target in step, or a refusal, or nothing to do. Real-time
 * sync, dry runs and resyncs all plan with it; one executor (engine/) applies a plan or records it.
 */

export type DirectoryFacts = {
  /** False when the row is gone or soft-deleted. */
  present: boolean;
  suspended: boolean;
  passwordExpired: boolean;
  /** A member of a live group actively bound to the connector (users are implicitly denied). */
  authorized: boolean;
};

export type InactiveReason = 'deleted' | 'unauthorized' | 'suspended' | 'password_expired';

export type Desired = { active: true } | { active: false; reason: InactiveReason };

/** U4: deactivate when suspended, password expired, not authorized or deleted; the first reason wins. */
export function desiredState(f: DirectoryFacts): Desired {
  if (!f.present) return { active: false, reason: 'deleted' };
  if (!f.authorized) return { active: false, reason: 'unauthorized' };
  if (f.suspended) return { active: false, reason: 'suspended' };
  if (f.passwordExpired) return { active: false, reason: 'password_expired' };
  return { active: true };
}

export const INACTIVE_REASON_TEXT: Record<InactiveReason, string> = {
  deleted: 'the user was deleted from the directory',
  unauthorized: 'no group bound to this connector includes the user any more',
  suspended: 'the user is suspended in the directory',
  password_expired: "the user's password expired",
};

/** Deletion has its own event; every other deactivation is a deprovision (the seed's events). */
export function deactivationEvent(reason: InactiveReason): 'user_delete_provision' | 'user_deprovision' {
  return reason === 'deleted' ? 'user_delete_provision' : 'user_deprovision';
}

export type RemoteAccount = { id: string; active: boolean };
export type LinkFacts = { remoteId: string | null; state: LinkState; lastErrorCode?: string | null } | undefined;

/** What the target holds for this user: the linked account and the matches, as far as they were looked up. */
export type RemoteFacts = { linked: ScimUser | null; byUserName: ScimUser | null; byEmail: ScimUser | null };

export type Match =
  | { action: 'create' }
  | { action: 'use'; remoteId: string; how: 'linked' | 'own_creation' | 'username' | 'email'; reactivate: boolean }
  | { action: 'refuse'; code: 'email_taken'; holderId: string };

/**
 * U2/U6: which account in the target is this user's. The linked one first; else a userName match (also a
 * deactivated one: the same person's earlier account, reactivated); else an active email match. A
 * deactivated account holding the email under another userName is someone else's: refuse, as Slack would.
 * A userName match while the link says "creating" is our own POST whose answer a crash lost.
 */
export function resolveMatch(link: LinkFacts, found: { linked: RemoteAccount | null; byUserName: RemoteAccount | null; byEmail: RemoteAccount | null }): Match {
  if (found.linked) return { action: 'use', remoteId: found.linked.id, how: 'linked', reactivate: !found.linked.active };
  if (found.byUserName) {
    const how = link?.state === 'creating' ? 'own_creation' : 'username';
    return { action: 'use', remoteId: found.byUserName.id, how, reactivate: !found.byUserName.active };
  }
  if (found.byEmail) {
    if (found.byEmail.active || found.byEmail.id === link?.remoteId) return { action: 'use', remoteId: found.byEmail.id, how: 'email', reactivate: !found.byEmail.active };
    return { action: 'refuse', code: 'email_taken', holderId: found.byEmail.id };
  }
  return { action: 'create' };
}

/** The target's rules the planner needs (a subset of targets/target.ts TargetProfile). */
export interface UserRules {
  /** How events name the target: "Slack", or the service provider's. */
  readonly targetName: string;
  userPayload(user: DirectoryUser): ScimUserPayload;
  validateUser(user: DirectoryUser, payload: ScimUserPayload): { code: string; field: string; message: string }[];
  diffUser(user: DirectoryUser, payload: ScimUserPayload, remote: ScimUser): PatchOperation[];
  manualAction(user: DirectoryUser, remote: ScimUser): { code: string; message: string } | undefined;
  /** A change a creation cannot carry, left to an admin in the target (Slack Business+: a guest is created as a member). */
  creationAction(user: DirectoryUser): { code: string; message: string } | undefined;
  deletion: 'deactivate' | 'delete';
}

/** One step of a user plan. Each names the Directory Insights event it records when it is applied. */
export type UserStep =
  | { op: 'create'; event: 'user_create_provision'; payload: ScimUserPayload; message: string }
  /** Link an existing account found by userName or email, or our own creation that a crash hid. */
  | { op: 'adopt'; event: 'user_lookup_provision' | 'user_create_provision'; remoteId: string; how: 'username' | 'email' | 'own_creation'; message: string }
  | { op: 'update'; event: 'user_update_provision'; remoteId: string; operations: PatchOperation[]; reactivate: boolean; version?: string | null; message: string }
  | { op: 'deactivate'; event: 'user_deprovision' | 'user_delete_provision'; remoteId: string; reason: InactiveReason; hardDelete: boolean; message: string }
  /** A link change with no request to the target: the target is already right, or a change waits for an admin there. */
  | { op: 'record'; state: LinkState; remoteId: string | null; code?: string; message?: string; event?: EventType; outcome?: 'success' | 'failure' };

export type UserResult = 'created' | 'adopted' | 'updated' | 'reactivated' | 'deactivated' | 'unchanged' | 'failed' | 'skipped' | 'stuck' | 'needs_action' | 'held';

export type UserPlan = {
  result: UserResult;
  /** Why nothing or something is done, as a code: for the workflow's history and the plan's report. */
  reason: string;
  steps: UserStep[];
  /** Set when nothing may be sent: the link is marked failed with this event. */
  refusal?: { code: string; message: string; event: EventType };
  /** The account in the target this plan works on, when known. */
  remoteId?: string;
};

/** The planner's answer when it cannot decide without knowing what the target holds: read it, then plan again. */
export type NeedsRemote = { needs: 'remote' };
const NEEDS_REMOTE: NeedsRemote = { needs: 'remote' };

export type UserPlanInput = {
  directory: DirectoryFacts & { user?: DirectoryUser };
  link: LinkFacts;
  /** Needed when the user should be active (else the answer is NeedsRemote); optional otherwise (a resync knows it). */
  remote?: RemoteFacts;
  rules: UserRules;
};

const noop = (reason: string, remoteId?: string | null): UserPlan => ({ result: 'unchanged', reason, steps: [], remoteId: remoteId ?? undefined });

/** The plan for one user on one connector, or NeedsRemote when the target must be read first. */
export function planUser(input: UserPlanInput): UserPlan | NeedsRemote {
  const { directory, link, remote, rules } = input;
  const target = rules.targetName;
  const desired = desiredState(directory);
  if (!desired.active) return planDeactivation(desired.reason, link, remote, rules);


  const user = directory.user;
  if (!user) throw new Error('planUser: an active user needs the directory record');
  const payload = rules.userPayload(user);
  const problems = rules.validateUser(user, payload);
  if (problems.length > 0) {
    const first = problems[0]!;
    return {
      result: 'failed',
      reason: first.code,
      steps: [],
      refusal: { code: first.code, message: `Not sent to ${target}: ${problems.map((p) => p.message).join(' ')}`, event: link?.remoteId ? 'user_update_provision' : 'user_create_provision' },
    };
  }
  if (!remote) return NEEDS_REMOTE;

  const match = resolveMatch(link, remote);
  if (match.action === 'refuse') {
    return {
      result: 'failed',
      reason: match.code,
      steps: [],
      refusal: {
        code: match.code,
        event: 'user_create_provision',
        message: `${target} account ${match.holderId} is deactivated but still holds this user's email, so ${target} refuses a new account with it. In ${target}, change that account's email by hand (or give it this user's username if it is their earlier account), then sync again.`,
      },
    };
  }
  if (match.action === 'create') {
    const steps: UserStep[] = [{ op: 'create', event: 'user_create_provision', payload, message: `Created the user in ${target}.` }];
    const manual = rules.creationAction(user);
    // The new account's ID is the create's: the executor fills it in.
    if (manual) steps.push({ op: 'record', state: 'needs_action', remoteId: null, code: manual.code, message: manual.message, event: 'user_update_provision', outcome: 'failure' });
    return { result: 'created', reason: 'not_in_target', steps };
  }

  const existing = (remote.linked ?? remote.byUserName ?? remote.byEmail)!;
  const steps: UserStep[] = [];
  if (match.how === 'own_creation') {
    steps.push({ op: 'adopt', event: 'user_create_provision', remoteId: match.remoteId, how: 'own_creation', message: `Created the user in ${target} (confirmed after a retry).` });
  } else if (match.how !== 'linked') {
    const by = match.how === 'email' ? 'email' : 'username';
    steps.push({ op: 'adopt', event: 'user_lookup_provision', remoteId: match.remoteId, how: match.how, message: `Found an existing ${target} user with the same ${by} and linked it instead of creating a duplicate.` });
  }
  const operations = rules.diffUser(user, payload, existing);
  if (operations.length > 0) {
    const paths = operations.map((o) => o.path ?? '(several)').join(', ');
    steps.push({
      op: 'update',
      event: 'user_update_provision',
      remoteId: existing.id,
      operations,
      reactivate: match.reactivate,
      version: existing.meta?.version,
      message: match.reactivate ? `Reactivated the ${target} user (${paths}).` : `Updated in ${target}: ${paths}.`,
    });
  }
  const manual = rules.manualAction(user, existing);
  if (manual) {
    const alreadyTold = link?.state === 'needs_action' && link.lastErrorCode === manual.code && link.remoteId === existing.id;
    // The admin is told once; but any other step leaves the link active, so the plan always ends saying what still waits.
    const told = alreadyTold ? {} : { event: 'user_update_provision' as const, outcome: 'failure' as const };
    if (!alreadyTold || steps.length > 0) steps.push({ op: 'record', state: 'needs_action', remoteId: existing.id, code: manual.code, message: manual.message, ...told });
    const result: UserResult = operations.length > 0 ? (match.reactivate ? 'reactivated' : 'updated') : 'needs_action';
    return { result, reason: manual.code, steps, remoteId: existing.id };
  }
  if (steps.length === 0) {
    if (link?.state === 'active' && link.remoteId === existing.id) return noop('in_step', existing.id);
    return { result: 'unchanged', reason: 'in_step', steps: [{ op: 'record', state: 'active', remoteId: existing.id }], remoteId: existing.id };
  }
  const result: UserResult = operations.length > 0 ? (match.reactivate ? 'reactivated' : 'updated') : match.how === 'own_creation' ? 'created' : 'adopted';
  return { result, reason: match.how === 'linked' ? 'drifted' : match.how, steps, remoteId: existing.id };
}

function planDeactivation(reason: InactiveReason, link: LinkFacts, remote: RemoteFacts | undefined, rules: UserRules): UserPlan {
  // M3: an imported user is not managed until a bound group includes them: left exactly as they are.
  if (link?.state === 'imported' && (reason === 'unauthorized' || reason === 'deleted')) return noop('not_managed', link.remoteId);
  // Only accounts Bindery manages are deactivated: never one it has not linked.
  if (!link?.remoteId) return noop('not_linked');
  const hardDelete = reason === 'deleted' && rules.deletion === 'delete';
  const event = deactivationEvent(reason);
  const deactivate: UserStep = {
    op: 'deactivate',
    event,
    remoteId: link.remoteId,
    reason,
    hardDelete,
    message: `${hardDelete ? 'Deleted' : 'Deactivated'} in ${rules.targetName}: ${INACTIVE_REASON_TEXT[reason]}.`,
  };
  if (!remote) {
    // Real-time sync does not read first: the target's deactivation is idempotent.
    if (link.state === 'deactivated') return noop('already_inactive', link.remoteId);
    return { result: 'deactivated', reason, steps: [deactivate], remoteId: link.remoteId };
  }
  // A resync knows what the target holds: a user reactivated there behind Bindery's back is deactivated again.
  const account = remote.linked;
  if (account && account.active !== false) return { result: 'deactivated', reason, steps: [deactivate], remoteId: link.remoteId };
  if (link.state === 'deactivated') return noop('already_inactive', link.remoteId);
  const message = account
    ? `Already inactive in ${rules.targetName} (${INACTIVE_REASON_TEXT[reason]}); nothing sent.`
    : `The account is gone from ${rules.targetName}; nothing left to deactivate (${INACTIVE_REASON_TEXT[reason]}).`;
  return { result: 'deactivated', reason, steps: [{ op: 'record', state: 'deactivated', remoteId: link.remoteId, message, event, outcome: 'success' }], remoteId: link.remoteId };
}

export type RequestDescription = { method: string; path: string; attributes: string[] };

/**
 * A plan's steps as the requests they send, for dry runs and plan reports. A deactivation is a DELETE where
 * the target deactivates that way (Slack), else a PATCH of `active`.
 */
export function describeUserStep(step: UserStep, deactivation: 'delete' | 'patch' = 'delete'): RequestDescription | undefined {
  switch (step.op) {
    case 'create':
      return { method: 'POST', path: '/Users', attributes: Object.keys(step.payload).filter((k) => k !== 'schemas') };
    case 'update':
      return { method: 'PATCH', path: `/Users/${step.remoteId}`, attributes: step.operations.map((o) => o.path ?? '(several)') };
    case 'deactivate':
      return step.hardDelete || deactivation === 'delete'
        ? { method: 'DELETE', path: `/Users/${step.remoteId}`, attributes: step.hardDelete ? [] : ['active'] }
        : { method: 'PATCH', path: `/Users/${step.remoteId}`, attributes: ['active'] };
    default:
      return undefined;
  }
}
