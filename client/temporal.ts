import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import type { GroupSyncInput, groupSync } from '../workflows/group-sync';
import { workflowIds } from '../workflows/ids';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { syncRequested, type UserSyncInput, type userSync } from '../workflows/user-sync';

export type TemporalTarget = { address: string; namespace: string; taskQueue: string };

export async function connectTemporal(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address: target.address });
  return new Client({ connection, namespace: target.namespace });
}

type Started = { workflowId: string; runId: string };

/** The per-object sync workflows: their type, business ID and the search attribute naming the object. */
const SYNC_WORKFLOWS = {
  user: { type: 'userSync', id: workflowIds.userSync, key: SEARCH_ATTRIBUTES.userId, operation: 'user-sync' },
  group: { type: 'groupSync', id: workflowIds.groupSync, key: SEARCH_ATTRIBUTES.groupId, operation: 'group-sync' },
} as const;

/**
 * Asks for one object to be reconciled with one connector: signal-with-start, so a running sync
 * workflow takes the request and an idle one is started afresh. Only IDs travel.
 */
async function requestSync(client: Client, taskQueue: string, kind: keyof typeof SYNC_WORKFLOWS, objectId: string, input: UserSyncInput | GroupSyncInput): Promise<Started> {
  const w = SYNC_WORKFLOWS[kind];
  const workflowId = w.id(input.connectorId, objectId);
  const handle = await client.workflow.signalWithStart<typeof userSync | typeof groupSync, []>(w.type, {
    workflowId,
    taskQueue,
    args: [input as UserSyncInput & GroupSyncInput],
    signal: syncRequested,
    signalArgs: [],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.connectorId, value: input.connectorId },
      { key: w.key, value: objectId },
      { key: SEARCH_ATTRIBUTES.operation, value: w.operation },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}

/** `user-sync/<connectorId>/<userId>`. */
export const requestUserSync = (client: Client, taskQueue: string, input: UserSyncInput) => requestSync(client, taskQueue, 'user', input.userId, input);

/** `group-sync/<connectorId>/<groupId>`. */
export const requestGroupSync = (client: Client, taskQueue: string, input: GroupSyncInput) => requestSync(client, taskQueue, 'group', input.groupId, input);
