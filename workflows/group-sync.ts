import { ActivityFailure, continueAsNew, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GroupRef, GroupSyncOutcome } from '../activities/group-sync';
import { type LoopOptions, reconcileLoop } from './reconcile-loop';
import { failureCode, reconcileOptions } from './user-sync';

export type GroupSyncInput = GroupRef & LoopOptions & { retry?: { maximumAttempts?: number; initialInterval?: string } };

/** Group passes read the whole Slack group: while members are being provisioned, one pass per few seconds serves them all. */
export const GROUP_SETTLE = '3 seconds';

const { markGroupFailed } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/**
 * group-sync/<connectorId>/<groupId>: keeps one directory group and its Slack user group in step
 * (create when non-empty, take over by name, minimal member PATCHes in batches, rename, delete).
 * Members who are not in Slack yet are added by a later pass: their user-sync asks for one once it
 * has provisioned them.
 */
export async function groupSync(input: GroupSyncInput): Promise<GroupSyncOutcome> {
  const ref = { connectorId: input.connectorId, groupId: input.groupId };
  const { reconcileGroup } = proxyActivities<Activities>(reconcileOptions(input.retry));
  return reconcileLoop(
    { settle: GROUP_SETTLE, ...input },
    async () => {
      let outcome: GroupSyncOutcome;
      try {
        outcome = await reconcileGroup(ref);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const code = failureCode(err);
        await markGroupFailed({ ...ref, code });
        outcome = { result: 'failed', code };
      }
      log.info('group reconciled', { result: outcome.result, code: outcome.code });
      return outcome;
    },
    () => continueAsNew<typeof groupSync>(input),
  );
}
