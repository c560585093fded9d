/**
 * The per-object workflows the outbox starts, one registry: the intent kinds, the workflow type each kind
 * starts (signal-with-start, input `{ connectorId, <kind>Id }`), its business ID and the search attribute
 * naming its object. Adding a kind is one entry here and one workflow function exported from
 * workflows/index.ts.
 */
export const SYNC_KINDS = {
  user: { workflowType: 'userSync', idPrefix: 'user-sync', objectSearchAttribute: 'BinderyUserId' },
  group: { workflowType: 'groupSync', idPrefix: 'group-sync', objectSearchAttribute: 'BinderyGroupId' },
  /** Deactivations the circuit breaker held: notify the admin, wait for the decision, carry it out. */
  hold: { workflowType: 'breakerHold', idPrefix: 'breaker-hold', objectSearchAttribute: undefined },
  /** A user's 72-hour SSO bind window (B1): the email, then the first launch or the expiry. */
  bind: { workflowType: 'ssoBind', idPrefix: 'sso-bind', objectSearchAttribute: 'BinderyUserId' },
  /** The connector's resync schedule, made to match whether identity management is active (not a workflow start). */
  schedule: { workflowType: 'resync', idPrefix: 'resync', objectSearchAttribute: undefined, delivery: 'schedule' },
} as const satisfies Record<string, { workflowType: string; idPrefix: string; objectSearchAttribute: string | undefined; delivery?: 'schedule' }>;

export type SyncKind = keyof typeof SYNC_KINDS;
export const INTENT_KINDS = Object.keys(SYNC_KINDS) as [SyncKind, ...SyncKind[]];

/** `user-sync/<connectorId>/<userId>`: one workflow per managed object, findable by ID in the Temporal UI. */
export function syncWorkflowId(kind: SyncKind, connectorId: string, objectId: string): string {
  return `${SYNC_KINDS[kind].idPrefix}/${connectorId}/${objectId}`;
}

/**
 * The bulk path (activation, a big binding, a cascade): `bulk-sync/<connectorId>` takes many users of one
 * connector at once, a batch per activity, instead of a workflow per user. The dispatcher chooses it when
 * one delivery holds at least this many of a connector's users; single changes keep their own workflows.
 */
export const BULK_USER_SYNC = { workflowType: 'bulkUserSync', idPrefix: 'bulk-sync' } as const;
export const BULK_MIN_USERS = 20;

export function bulkSyncWorkflowId(connectorId: string): string {
  return `${BULK_USER_SYNC.idPrefix}/${connectorId}`;
}
