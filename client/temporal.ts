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

/**
 * Asks for one user to be reconciled with one connector: signal-with-start, so a running
 * user-sync workflow takes the request and an idle one is started afresh. Only IDs travel.
 */
export async function requestUserSync(client: Client, taskQueue: string, ref: UserSyncInput): Promise<Started> {
  const workflowId = workflowIds.userSync(ref.connectorId, ref.userId);
  const handle = await client.workflow.signalWithStart<typeof userSync, []>('userSync', {
    workflowId,
    taskQueue,
    args: [ref],
    signal: syncRequested,
    signalArgs: [],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.connectorId, value: ref.connectorId },
      { key: SEARCH_ATTRIBUTES.userId, value: ref.userId },
      { key: SEARCH_ATTRIBUTES.operation, value: 'user-sync' },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}

/** The same for one group: `group-sync/<connectorId>/<groupId>`. */
export async function requestGroupSync(client: Client, taskQueue: string, ref: GroupSyncInput): Promise<Started> {
  const workflowId = workflowIds.groupSync(ref.connectorId, ref.groupId);
  const handle = await client.workflow.signalWithStart<typeof groupSync, []>('groupSync', {
    workflowId,
    taskQueue,
    args: [ref],
    signal: syncRequested,
    signalArgs: [],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.connectorId, value: ref.connectorId },
      { key: SEARCH_ATTRIBUTES.groupId, value: ref.groupId },
      { key: SEARCH_ATTRIBUTES.operation, value: 'group-sync' },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}
