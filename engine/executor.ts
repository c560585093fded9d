import type { EventType } from '../core/events';
import type { GroupLinkState, LinkState } from '../core/links';
import type { GroupPlan, GroupResult } from '../core/plan/group';
import type { UserPlan, UserResult } from '../core/plan/user';
import { MANAGED_GROUP_MESSAGE } from '../core/plan/group';
import { authorizingGroups } from '../db/authorization';
import { claimDeactivation, clearHeld } from '../db/breaker';
import type { Tx } from '../db/client';
import { saveGroupLink, type GroupLinkRow } from '../db/group-links';
import { beginCreation, completeCreation, getLink, saveLink, type UserLinkRow } from '../db/links';
import { markCreatedInactive } from '../db/sso-binds';
import { enqueue, enqueueMany } from '../db/outbox';
import { ScimError } from '../targets/errors';
import type { EventRecord, Session } from './session';

/**
 * The one executor: applies a plan step by step against the connector's target, recording each step's
 * outcome — the link state and its Directory Insights event, in one transaction — so a retry after a crash
 * anywhere either finds a step recorded or does it again, and each outcome is recorded once.
 *
 * Failures: a permanent refusal is recorded (link failed, failure event) and ends the plan; a transient one
 * (5xx, network, 429) records a failure event saying it is retried, with the target's code and any
 * Retry-After, and is thrown for the caller's retry policy (the activity's, in Temporal).
 */

export type UserRef = { connectorId: string; userId: string };
export type GroupRef = { connectorId: string; groupId: string };

/** What a workflow learns: IDs and outcome codes only (workflow history is visible to operators). */
export type UserSyncOutcome = { result: UserResult; remoteId?: string; code?: string };
export type GroupSyncOutcome = { result: GroupResult; remoteGroupId?: string; code?: string };

/** A transient failure's event: what happened and when it is tried again. */
export function retryEvent(type: EventType, err: ScimError): EventRecord {
  const when = err.kind === 'rate_limited' ? ` Retried after ${Math.ceil((err.retryAfterMs ?? 1000) / 1000)} s (Retry-After).` : ' Retried with backoff.';
  return { type, outcome: 'failure', message: `${err.explanation}${when}`, code: err.code };
}

/** Codes a group write answers when a member it names is unusable (gone, deactivated, a guest). */
export const MEMBER_REFUSALS = new Set(['no_such_user', 'unable_to_add_deleted_or_guest_to_group', 'no_such_group_members', 'invalidValue', 'noTarget']);

/** A group write refused because of a member: the caller finds which, sets them aside, and plans again. */
export class MemberRefusal extends Error {
  constructor(
    readonly error: ScimError,
    readonly memberIds: readonly string[],
  ) {
    super(error.message);
  }
}

// ---- users ----

export type ApplyOptions = {
  /**
   * Plans afresh and applies that, when this plan turns out stale at its create: another pass linked or
   * began creating the user meanwhile. Absent (on the fresh pass itself): the create is left to the other pass.
   */
  replan?: () => Promise<UserSyncOutcome>;
  /**
   * The plan was made from a read of the target older than a moment (bulk sync reads it once per batch): a
   * userName taken meanwhile is looked at afresh (replan) instead of refused.
   */
  readEarlier?: boolean;
};

export async function applyUserPlan(session: Session, ref: UserRef, plan: UserPlan, link: UserLinkRow | undefined, opts: ApplyOptions = {}): Promise<UserSyncOutcome> {
  const { deps, client, connector } = session;
  const { db } = deps;
  const object = { objectType: 'user' as const, objectId: ref.userId };

  /** Saves the link with its event; when the user came or went in the target, their groups are synced again (X2). */
  const settle = (state: LinkState, remoteId: string | null | undefined, event: EventRecord | undefined, opts: { code?: string; message?: string; groups?: boolean } = {}) =>
    db.transaction(async (tx) => {
      await saveLink(tx, { ...ref, remoteId, state, lastErrorCode: opts.code ?? null, lastError: opts.message ?? null });
      if (opts.groups) await queueGroupsOf(tx, ref);
      if (event) await session.record(object, event, tx);
    });

  /** "creating" → "active" once, whichever attempt gets there first; the creation is recorded with it. */
  const settleCreation = (remoteId: string, message: string) =>
    db.transaction(async (tx) => {
      if (!(await completeCreation(tx, ref.connectorId, ref.userId, remoteId))) return;
      // Created while SSO is on: inactive (pending first launch) in Bindery's view until the portal launch (B2).
      if (connector.ssoActive) await markCreatedInactive(tx, ref.connectorId, ref.userId);
      await queueGroupsOf(tx, ref);
      await session.record(object, { type: 'user_create_provision', outcome: 'success', message }, tx);
    });

  const queueGroupsOf = async (tx: Tx, r: UserRef) => {
    if (connector.groupManagement && session.profile.groups) await enqueueMany(tx, 'group', r.connectorId, await authorizingGroups(tx, r.connectorId, r.userId));
  };

  if (plan.refusal) {
    const { code, message, event } = plan.refusal;
    await settle('failed', undefined, { type: event, outcome: 'failure', message, code }, { code, message });
    return { result: 'failed', code };
  }

  // A user no longer being deactivated has no deactivation waiting for an admin, or refused by one.
  if ((link?.state === 'held' || link?.lastErrorCode === 'deactivation_rejected') && !plan.steps.some((s) => s.op === 'deactivate')) {
    await clearHeld(db, ref.connectorId, ref.userId);
  }

  let remoteId = plan.remoteId ?? link?.remoteId ?? undefined;
  let stage: EventType = plan.steps[0] && 'event' in plan.steps[0] && plan.steps[0].event ? plan.steps[0].event : 'user_lookup_provision';
  try {
    for (const step of plan.steps) {
      if (step.event) stage = step.event;
      switch (step.op) {
        case 'create': {
          if (!(await beginCreation(db, ref.connectorId, ref.userId, link))) {
            if (opts.replan) return opts.replan();
            return { result: 'unchanged', code: 'superseded' }; // another pass is creating this user
          }
          let created: string | undefined;
          try {
            created = await createOnce(session, ref, step.payload.userName, () => client.createUser(step.payload));
          } catch (e) {
            if (!(opts.readEarlier && opts.replan && isTaken(e))) throw e;
          }
          // Outside the try: the fresh pass records its own outcome, failures included.
          if (created === undefined) return opts.replan!();
          remoteId = created;
          await settleCreation(remoteId, step.message);
          break;
        }
        case 'adopt': {
          remoteId = step.remoteId;
          // An account another pass is creating right now (its link says "creating") is that pass's creation:
          // recorded as one, once, whichever of the two gets there first.
          const creating = step.how === 'own_creation' || (await getLink(db, ref.connectorId, ref.userId))?.state === 'creating';
          if (creating) await settleCreation(step.remoteId, step.message);
          else await settle('active', step.remoteId, { type: step.event, outcome: 'success', message: step.message }, { groups: true });
          break;
        }
        case 'update':
          await client.patchUser(step.remoteId, step.operations, step.version);
          await settle('active', step.remoteId, { type: step.event, outcome: 'success', message: step.message }, { groups: step.reactivate });
          break;
        case 'deactivate': {
          // The circuit breaker counts it first (S4): past its threshold nothing is sent, the admin decides.
          const claim = await db.transaction(async (tx) => {
            const c = await claimDeactivation(tx, connector, ref.userId, step.reason);
            if (c.decision === 'held' && !(link?.state === 'held')) {
              const message = `Deactivation held by the circuit breaker (hold ${c.holdId}): too many of this connector's users would be deactivated at once. An admin approves or rejects it: bindery connector held ${ref.connectorId}.`;
              await saveLink(tx, { ...ref, remoteId: step.remoteId, state: 'held', lastErrorCode: 'deactivation_held', lastError: message });
              if (c.newHold) await enqueue(tx, 'hold', ref.connectorId, c.holdId);
              await session.record(object, { type: 'deactivation_held', outcome: 'failure', code: 'deactivation_held', message }, tx);
            }
            if (c.decision === 'rejected' && link?.lastErrorCode !== 'deactivation_rejected') {
              const message = `An admin rejected this deactivation (hold ${c.holdId}): the account stays active until the directory changes.`;
              await saveLink(tx, { ...ref, remoteId: step.remoteId, state: 'active', lastErrorCode: 'deactivation_rejected', lastError: message });
            }
            return c;
          });
          if (claim.decision === 'held') return { result: 'held', remoteId: step.remoteId, code: 'deactivation_held' };
          if (claim.decision === 'rejected') return { result: 'unchanged', remoteId: step.remoteId, code: 'deactivation_rejected' };
          // Idempotent in the target; an account already gone from it is as good as deactivated.
          try {
            if (step.hardDelete) await client.deleteUser(step.remoteId);
            else await client.deactivateUser(step.remoteId);
          } catch (e) {
            if (!(e instanceof ScimError && client.dialect.isNotFound(e))) throw e;
          }
          await settle('deactivated', step.remoteId, { type: step.event, outcome: 'success', message: step.message }, { groups: true });
          break;
        }
        case 'record': {
          const id = step.remoteId ?? remoteId ?? null;
          const event = step.event && step.message ? { type: step.event, outcome: step.outcome ?? 'success', message: step.message, code: step.code } : undefined;
          const keepsError = step.state === 'needs_action';
          await settle(step.state, id, event, keepsError ? { code: step.code, message: step.message } : { groups: step.state === 'deactivated' && link?.state !== 'deactivated' });
          break;
        }
      }
    }
    return { result: plan.result, remoteId, code: plan.result === 'needs_action' ? plan.reason : undefined };
  } catch (err) {
    if (!(err instanceof ScimError)) throw err;
    if (err.kind === 'permanent') {
      await settle('failed', undefined, { type: stage, outcome: 'failure', message: err.explanation, code: err.code }, { code: err.code, message: err.explanation });
      return { result: 'failed', code: err.code };
    }
    await session.record(object, retryEvent(stage, err));
    throw err;
  }
}

/** The target refused a create because the userName (or another unique attribute) is taken. */
function isTaken(err: unknown): boolean {
  return err instanceof ScimError && (err.code === 'username_taken' || err.code === 'uniqueness' || err.status === 409);
}

/**
 * POSTs a user, or finds that another attempt for this user (one Temporal gave up on that kept running)
 * just did: a userName that was free at lookup and is taken now is ours if the link still says so.
 */
async function createOnce(session: Session, ref: UserRef, userName: string, create: () => Promise<{ id: string }>): Promise<string> {
  try {
    return (await create()).id;
  } catch (err) {
    const mine = isTaken(err) ? await session.client.findUserByUserName(userName) : null;
    const current = mine ? await getLink(session.deps.db, ref.connectorId, ref.userId) : undefined;
    if (!mine || !(current?.state === 'creating' || current?.remoteId === mine.id)) throw err;
    return mine.id;
  }
}

// ---- groups ----

type GroupEvent = 'group_create_provision' | 'group_update_provision' | 'group_delete_provision';

export async function applyGroupPlan(session: Session, ref: GroupRef, plan: GroupPlan, link: GroupLinkRow | undefined, membersLeftOut: number): Promise<GroupSyncOutcome> {
  const { deps, client } = session;
  const { db } = deps;
  const object = { objectType: 'group' as const, objectId: ref.groupId };

  const settle = (state: GroupLinkState, fields: { remoteGroupId?: string | null; memberCount?: number; code?: string; message?: string }, event?: EventRecord) =>
    db.transaction(async (tx) => {
      await saveGroupLink(tx, { ...ref, state, remoteGroupId: fields.remoteGroupId, memberCount: fields.memberCount, membersLeftOut, lastErrorCode: fields.code ?? null, lastError: fields.message ?? null });
      if (event) await session.record(object, event, tx);
    });

  if (plan.refusal) {
    const { code, message, event } = plan.refusal;
    await settle('failed', { code, message }, { type: event, outcome: 'failure', message, code });
    return { result: 'failed', code };
  }

  let remoteGroupId = link?.remoteGroupId ?? undefined;
  let stage: GroupEvent = remoteGroupId ? 'group_update_provision' : 'group_create_provision';
  try {
    for (const step of plan.steps) {
      switch (step.op) {
        case 'create': {
          stage = 'group_create_provision';
          const created = await client.createGroup({ displayName: step.displayName, members: step.members });
          remoteGroupId = created.id;
          // Recorded at once: should a later batch fail, the next pass finds the group instead of creating another.
          await saveGroupLink(db, { ...ref, remoteGroupId, state: 'pending', memberCount: step.members.length, membersLeftOut });
          break;
        }
        case 'patch': {
          stage = step.event;
          const id = step.remoteGroupId || remoteGroupId!;
          try {
            await client.patchGroup(id, step.operations);
          } catch (e) {
            if (e instanceof ScimError && e.kind === 'permanent' && step.takeover && (e.code === 'permission_denied' || e.status === 403)) {
              await settle('failed', { code: 'slack_managed_group', message: MANAGED_GROUP_MESSAGE }, { type: 'group_create_provision', outcome: 'failure', message: MANAGED_GROUP_MESSAGE, code: 'slack_managed_group' });
              return { result: 'failed', code: 'slack_managed_group' };
            }
            if (e instanceof ScimError && e.kind === 'permanent' && MEMBER_REFUSALS.has(e.code)) {
              throw new MemberRefusal(e, step.operations.filter((o) => o.op === 'add' && o.path === 'members').flatMap((o) => (o.value as { value: string }[]).map((m) => m.value)));
            }
            throw e;
          }
          remoteGroupId = id;
          break;
        }
        case 'delete':
          stage = step.event;
          await client.deleteGroup(step.remoteGroupId);
          await settle('deleted', { remoteGroupId: step.remoteGroupId, memberCount: 0 }, { type: step.event, outcome: 'success', message: step.message });
          break;
        case 'record': {
          if (step.event) stage = step.event;
          const event = step.event && step.message ? { type: step.event, outcome: 'success' as const, message: step.message } : undefined;
          const id = step.remoteGroupId === undefined ? remoteGroupId : step.remoteGroupId;
          await settle(step.state, { remoteGroupId: id, memberCount: step.memberCount }, event);
          break;
        }
      }
    }
    return { result: plan.result, remoteGroupId };
  } catch (err) {
    if (err instanceof MemberRefusal) throw err;
    if (!(err instanceof ScimError)) throw err;
    if (err.kind === 'permanent') {
      // A create refused for a member is also a member refusal (POST /Groups names its first members).
      if (MEMBER_REFUSALS.has(err.code) && plan.steps[0]?.op === 'create') throw new MemberRefusal(err, plan.steps[0].members);
      await settle('failed', { code: err.code, message: err.explanation }, { type: stage, outcome: 'failure', message: err.explanation, code: err.code });
      return { result: 'failed', code: err.code };
    }
    await session.record(object, retryEvent(stage, err));
    throw err;
  }
}
