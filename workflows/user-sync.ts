import { allHandlersFinished, condition, continueAsNew, defineSignal, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { UserRef, UserSyncOutcome } from '../activities/user-sync';

/** "Look at this user again": carries nothing, the workflow reloads the user's state by ID. */
export const syncRequested = defineSignal('syncRequested');

export type UserSyncInput = UserRef & {
  /** How long to stay open for further requests before completing (default 1 minute). */
  idleTimeout?: string | number;
};

const { provisionUser } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * user-sync/<connectorId>/<userId>: reconciles one directory user with Slack. Started with
 * signal-with-start, so a burst of requests coalesces into as few passes as needed: a request that
 * arrives during a pass causes exactly one more pass. It completes after an idle period; the next
 * request starts a new run under the same ID.
 */
export async function userSync(input: UserSyncInput): Promise<UserSyncOutcome> {
  let requested = true;
  setHandler(syncRequested, () => {
    requested = true;
  });

  let outcome: UserSyncOutcome = { result: 'skipped' };
  for (;;) {
    requested = false;
    outcome = await provisionUser({ connectorId: input.connectorId, userId: input.userId });
    log.info('user reconciled', { result: outcome.result, code: outcome.code });
    if (!(await condition(() => requested, input.idleTimeout ?? '1 minute'))) break;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof userSync>(input);
    }
  }
  await condition(allHandlersFinished);
  return outcome;
}
