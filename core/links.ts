/**
 * The states of a link between a directory object and its account or group in a connector's target:
 * one list each, shared by the database, the API, the CLI and the sync engine.
 */

/**
 * pending: not in the target yet · creating: a POST may be under way (a retry that finds the account adopts
 * its own creation) · active / deactivated: in the target · failed: the target or validation refused; waits
 * for a change · stuck: kept failing transiently, quarantined until the next change or a manual sync ·
 * imported: linked by an import, not managed until a bound group includes the user (left as it is) ·
 * needs_action: active in the target, but a change the target cannot take through SCIM waits for an admin
 * there (lastError says what to do) · held: active in the target, its deactivation held by the circuit
 * breaker until an admin approves or rejects it.
 */
export const LINK_STATES = ['pending', 'creating', 'active', 'deactivated', 'failed', 'stuck', 'imported', 'needs_action', 'held'] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** Links whose account is active in the target: the members a group there can hold. */
export const ACTIVE_LINK_STATES: readonly LinkState[] = ['active', 'needs_action', 'held'];
/** Links that have reached a state a sync pass leaves them in (for progress bars). */
export const SETTLED_LINK_STATES: readonly LinkState[] = ['active', 'deactivated', 'failed', 'stuck', 'imported', 'needs_action', 'held'];

/**
 * pending: not created yet · synced: in step · empty: not created because it has no members in the target ·
 * failed: the target refused (lastError says why) · disabled: group management off or the group unbound; left
 * as it is in the target · deleted: deleted in the target after its deletion in the directory.
 */
export const GROUP_LINK_STATES = ['pending', 'synced', 'empty', 'failed', 'disabled', 'deleted'] as const;
export type GroupLinkState = (typeof GROUP_LINK_STATES)[number];

/** How far a group's changes have reached the target on one connector: its members by link state, and the outbox. */
export type GroupProgressCounts = {
  /** Live members of the group. */
  members: number;
  /** Outbox intents not yet handed to Temporal: for these members or the group itself, on this connector. */
  pendingIntents: number;
  usersActive: number;
  usersDeactivated: number;
  usersFailed: number;
  usersStuck: number;
  /** Active in the target, with a change waiting for an admin there (`needs_action`). */
  usersNeedAction: number;
  /** Linked by an import and not managed yet. */
  usersImported: number;
  /** Deactivations the circuit breaker holds until an admin decides. */
  usersHeld: number;
  /** Links `pending` or `creating`: a creation under way. */
  usersPending: number;
  /** Members the connector has no link for (not looked at yet, or never sent to the target). */
  usersNotLinked: number;
};
