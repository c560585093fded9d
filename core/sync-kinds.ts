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
