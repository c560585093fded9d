import { ActivityFailure, ApplicationFailure, continueAsNew, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { UserRef, UserSyncOutcome } from '../activities/user-sync';
import { type LoopOptions, reconcileLoop } from './reconcile-loop';

export { syncRequested } from './reconcile-loop';

export type UserSyncInput = UserRef &
  LoopOptions & {
    /** Overrides of the transient-failure retry policy (tests use short ones). */
    retry?: { maximumAttempts?: number; initialInterval?: string };
  };

/** Transient failures are retried this many times before the object is quarantined. */
export const MAX_ATTEMPTS = 8;

/** The reconcile activities' options: heartbeats let a killed worker's attempt move on within seconds. */
export function reconcileOptions(retry: UserSyncInput['retry'] = {}) {
  return {
    startToCloseTimeout: '10 minutes', // includes waiting for the rate governor
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: MAX_ATTEMPTS, ...retry },
  };
}

/** The Slack error code a failed activity carried (details[0]), for quarantine records. */
export function failureCode(err: ActivityFailure): string {
  return err.cause instanceof ApplicationFailure ? String(err.cause.details?.[0] ?? err.cause.type) : 'timeout';
}

const { quarantineUser } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/**
 * user-sync/<connectorId>/<userId>: reconciles one directory user with Slack. Refusals (Slack's or
 * validation's) are not retried: the next change to the user brings the next pass. Transient failures
 * that outlast the retries quarantine the user without holding up anyone else.
 */
export async function userSync(input: UserSyncInput): Promise<UserSyncOutcome> {
  const ref = { connectorId: input.connectorId, userId: input.userId };
  const { reconcileUser } = proxyActivities<Activities>(reconcileOptions(input.retry));
  return reconcileLoop(
    input,
    async () => {
      let outcome: UserSyncOutcome;
      try {
        outcome = await reconcileUser(ref);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const code = failureCode(err);
        await quarantineUser({ ...ref, code });
        outcome = { result: 'stuck', code };
      }
      log.info('user reconciled', { result: outcome.result, code: outcome.code });
      return outcome;
    },
    () => continueAsNew<typeof userSync>(input),
  );
}
