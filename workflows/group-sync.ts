import { continueAsNew } from '@temporalio/workflow';
import type { GroupSyncOutcome } from '../activities/sync';
import { objectSync, type SyncInput } from './object-sync';

export type GroupSyncInput = SyncInput & { groupId: string };

/** Group passes read the whole target group: while members are being provisioned, one pass per few seconds serves them all. */
export const GROUP_SETTLE = '3 seconds';

/**
 * group-sync/<connectorId>/<groupId>: keeps one directory group and its group in the target in step.
 * Members not in the target yet are added by a later pass: their user-sync asks for one once it has
 * provisioned them.
 */
export async function groupSync(input: GroupSyncInput): Promise<GroupSyncOutcome> {
  const ref = { connectorId: input.connectorId, groupId: input.groupId };
  return (await objectSync({ settle: GROUP_SETTLE, ...input }, ref, { reconcile: 'reconcileGroup', giveUp: 'markGroupFailed' }, () => continueAsNew<typeof groupSync>(input))) as GroupSyncOutcome;
}
