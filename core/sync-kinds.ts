/**
 * The per-object sync workflows, one registry: the outbox's intent kinds, the workflow type each kind
 * starts, its business ID and the search attribute naming its object. Adding a kind is one entry here and
 * one workflow function exported from workflows/index.ts.
 */
export const SYNC_KINDS = {
  user: { workflowType: 'userSync', idPrefix: 'user-sync', objectSearchAttribute: 'BinderyUserId' },
  group: { workflowType: 'groupSync', idPrefix: 'group-sync', objectSearchAttribute: 'BinderyGroupId' },
} as const;

export type SyncKind = keyof typeof SYNC_KINDS;
export const INTENT_KINDS = Object.keys(SYNC_KINDS) as [SyncKind, ...SyncKind[]];

/** `user-sync/<connectorId>/<userId>`: one workflow per managed object, findable by ID in the Temporal UI. */
export function syncWorkflowId(kind: SyncKind, connectorId: string, objectId: string): string {
  return `${SYNC_KINDS[kind].idPrefix}/${connectorId}/${objectId}`;
}
