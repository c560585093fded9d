/**
 * The user-sync decisions, as pure functions of what was loaded: should this user be active in Slack,
 * and which Slack account (if any) is theirs. The activity does the I/O around them.
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

export type SlackAccount = { id: string; active: boolean };
export type LinkFacts = { slackId: string | null; state: string } | undefined;

export type Match =
  | { action: 'create' }
  | { action: 'use'; slackId: string; how: 'linked' | 'own_creation' | 'username' | 'email'; reactivate: boolean }
  | { action: 'refuse'; code: 'email_taken'; holderId: string };

/**
 * U2/U6: which Slack account is this user's. The linked one first; else a userName match (also a
 * deactivated one: the same person's earlier account, reactivated); else an active email match. A
 * deactivated account holding the email under another userName is someone else's: refuse, as Slack would.
 * A userName match while the link says "creating" is our own POST whose answer a crash lost.
 */
export function resolveMatch(link: LinkFacts, found: { linked: SlackAccount | null; byUserName: SlackAccount | null; byEmail: SlackAccount | null }): Match {
  if (found.linked) return { action: 'use', slackId: found.linked.id, how: 'linked', reactivate: !found.linked.active };
  if (found.byUserName) {
    const how = link?.state === 'creating' ? 'own_creation' : 'username';
    return { action: 'use', slackId: found.byUserName.id, how, reactivate: !found.byUserName.active };
  }
  if (found.byEmail) {
    if (found.byEmail.active || found.byEmail.id === link?.slackId) return { action: 'use', slackId: found.byEmail.id, how: 'email', reactivate: !found.byEmail.active };
    return { action: 'refuse', code: 'email_taken', holderId: found.byEmail.id };
  }
  return { action: 'create' };
}
