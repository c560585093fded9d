import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import { SYNC_KINDS, type SyncKind, syncWorkflowId } from '../core/sync-kinds';
import { objectSearchAttribute, SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { syncRequested } from '../workflows/object-sync';
import type { SyncInput } from '../workflows/object-sync';

export type TemporalTarget = { address: string; namespace: string; taskQueue: string };

export async function connectTemporal(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address: target.address });
  return new Client({ connection, namespace: target.namespace });
}

export type Started = { workflowId: string; runId: string };

/** The object a sync workflow looks at: its kind and ID, for one connector. */
export type SyncRequest = { kind: SyncKind; connectorId: string; objectId: string; options?: Omit<SyncInput, 'connectorId'> };

/** The input each kind's workflow takes (core/sync-kinds.ts names the workflow; its ID field is `<kind>Id`). */
function inputOf(r: SyncRequest): SyncInput & Record<string, string> {
  return { ...r.options, connectorId: r.connectorId, [`${r.kind}Id`]: r.objectId } as SyncInput & Record<string, string>;
}

/**
 * Asks for one object to be reconciled with one connector: signal-with-start, so a running sync workflow
 * takes the request and an idle one is started afresh. Only IDs travel.
 */
export async function requestSync(client: Client, taskQueue: string, r: SyncRequest): Promise<Started> {
  const kind = SYNC_KINDS[r.kind];
  const workflowId = syncWorkflowId(r.kind, r.connectorId, r.objectId);
  const objectKey = objectSearchAttribute(r.kind);
  const handle = await client.workflow.signalWithStart(kind.workflowType, {
    workflowId,
    taskQueue,
    args: [inputOf(r)],
    signal: syncRequested,
    signalArgs: [],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.connectorId, value: r.connectorId },
      ...(objectKey ? [{ key: objectKey, value: r.objectId }] : []),
      { key: SEARCH_ATTRIBUTES.operation, value: kind.idPrefix },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}
