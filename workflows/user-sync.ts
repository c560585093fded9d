import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, defineSignal, log, proxyActivities, workflowInfo, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { UserRef, UserSyncOutcome } from '../activities/user-sync';

/** "Look at this user again": carries nothing, the workflow reloads the user's state by ID. */
export const syncRequested = defineSignal('syncRequested');

export type UserSyncInput = UserRef & {
  /** How long to stay open for further requests before completing (default 1 minute). */
  idleTimeout?: string | number;
  /** Overrides of the transient-failure retry policy (tests use short ones). */
  retry?: { maximumAttempts?: number; initialInterval?: string };
};

/** Transient failures are retried this many times before the user is quarantined. */
export const MAX_ATTEMPTS = 8;

function reconcileActivity(retry: UserSyncInput['retry'] = {}) {
  return proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes', // includes waiting for the rate governor
    heartbeatTimeout: '20 seconds', // a killed worker's activity is retried elsewhere within seconds
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: MAX_ATTEMPTS, ...retry },
  }).reconcileUser;
}
const { quarantineUser } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/**
 * user-sync/<connectorId>/<userId>: reconciles one directory user with Slack. Started with
 * signal-with-start, so a burst of requests coalesces into as few passes as needed: a request that
 * arrives during a pass causes exactly one more pass. It completes after an idle period; the next
 * request starts a new run under the same ID. Refusals (Slack's or validation's) are not retried: the
 * next change to the user brings the next pass. Transient failures that outlast the retries
 * quarantine the user without holding up anyone else.
 */
export async function userSync(input: UserSyncInput): Promise<UserSyncOutcome> {
  const ref = { connectorId: input.connectorId, userId: input.userId };
  const reconcileUser = reconcileActivity(input.retry);
  let requested = true;
  setHandler(syncRequested, () => {
    requested = true;
  });

  let outcome: UserSyncOutcome = { result: 'skipped' };
  for (;;) {
    requested = false;
    try {
      outcome = await reconcileUser(ref);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const code = err.cause instanceof ApplicationFailure ? String(err.cause.details?.[0] ?? err.cause.type) : 'timeout';
      await quarantineUser({ ...ref, code });
      outcome = { result: 'stuck', code };
    }
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
