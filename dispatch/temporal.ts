import { Client, Connection, type DataConverter, WorkflowIdReusePolicy } from '@temporalio/client';
import { loadConfig } from '../core/config';
import { binderyDataConverter } from '../codec/codec';
import { resolveCodecKeys } from '../codec/keys';
import { BULK_USER_SYNC, bulkSyncWorkflowId, SYNC_KINDS, type SyncKind, syncWorkflowId } from '../core/sync-kinds';
import { objectSearchAttribute, SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { syncRequested } from '../workflows/object-sync';
import { usersRequested } from '../workflows/bulk-sync';
import type { SyncInput } from '../workflows/object-sync';

export type TemporalTarget = { address: string; namespace: string; taskQueue: string };

/** A client whose payloads are encrypted (codec/): with the configured codec keys unless told otherwise. */
export async function connectTemporal(target: TemporalTarget, dataConverter: DataConverter = binderyDataConverter(resolveCodecKeys(loadConfig()))): Promise<Client> {
  const connection = await Connection.connect({ address: target.address });
  return new Client({ connection, namespace: target.namespace, dataConverter });
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

/** Asks the connector's bulk workflow to look at these users (signal-with-start; IDs only travel). */
export async function requestBulkSync(client: Client, taskQueue: string, connectorId: string, userIds: string[]): Promise<Started> {
  const workflowId = bulkSyncWorkflowId(connectorId);
  const handle = await client.workflow.signalWithStart(BULK_USER_SYNC.workflowType, {
    workflowId,
    taskQueue,
    args: [{ connectorId }],
    signal: usersRequested,
    signalArgs: [userIds],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.connectorId, value: connectorId },
      { key: SEARCH_ATTRIBUTES.operation, value: BULK_USER_SYNC.idPrefix },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}
