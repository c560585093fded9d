import type { ActivityOptions, Duration } from '@temporalio/common';
import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, defineSignal, log, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** "Look at this object again": carries nothing; the workflow reloads the object's state by ID. */
export const syncRequested = defineSignal('syncRequested');

export type LoopOptions = {
  /** How long to stay open for further requests before completing (default 1 minute). */
  idleTimeout?: Duration;
  /**
   * Minimum time between two passes. A pass that reads the whole object (a group of thousands) is worth
   * batching: requests arriving meanwhile are served by one pass after it.
   */
  settle?: Duration;
};

export type SyncInput = LoopOptions & {
  connectorId: string;
  /** Overrides of the transient-failure retry policy (tests use short ones). */
  retry?: { maximumAttempts?: number; initialInterval?: Duration };
};

/** Transient failures are retried this many times before the object is given up on until its next change. */
export const MAX_ATTEMPTS = 8;

/** The reconcile activities' options: heartbeats let a killed worker's attempt move on within seconds. */
export function reconcileOptions(retry: SyncInput['retry'] = {}): ActivityOptions {
  return {
    startToCloseTimeout: '10 minutes', // includes waiting for the rate governor
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: MAX_ATTEMPTS, ...retry },
  };
}

/** The target's error code a failed activity carried (details[0]), for the give-up record. */
export function failureCode(err: ActivityFailure): string {
  return err.cause instanceof ApplicationFailure ? String(err.cause.details?.[0] ?? err.cause.type) : 'timeout';
}

type Outcome = { result: string; code?: string };
type Reconcile = 'reconcileUser' | 'reconcileGroup';
type GiveUp = 'quarantineUser' | 'markGroupFailed';

/**
 * The shape every per-object sync workflow shares. Started with signal-with-start, so a burst of requests
 * coalesces: a request that arrives during a pass causes exactly one more pass. Each pass is one activity
 * (load facts → plan → apply); refusals are not retried (the next change brings the next pass), transient
 * failures that outlast the retries give the object up until its next change, without holding up anyone
 * else. After an idle period the workflow completes (the next request starts a new run under the same ID);
 * a long-lived one continues as new before its history grows large.
 */
export async function objectSync<R extends object>(
  input: SyncInput,
  ref: R,
  activities: { reconcile: Reconcile; giveUp: GiveUp },
  again: () => Promise<never>,
): Promise<Outcome> {
  const reconcile = proxyActivities<Activities>(reconcileOptions(input.retry))[activities.reconcile] as unknown as (ref: R) => Promise<Outcome>;
  const giveUp = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' })[activities.giveUp] as unknown as (ref: R & { code: string }) => Promise<void>;

  async function pass(): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await reconcile(ref);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const code = failureCode(err);
      await giveUp({ ...ref, code });
      outcome = { result: activities.giveUp === 'quarantineUser' ? 'stuck' : 'failed', code };
    }
    log.info('reconciled', { result: outcome.result, code: outcome.code });
    return outcome;
  }

  let requested = true;
  setHandler(syncRequested, () => {
    requested = true;
  });
  let outcome: Outcome;
  for (;;) {
    requested = false;
    outcome = await pass();
    if (!(await condition(() => requested, input.idleTimeout ?? '1 minute'))) break;
    if (input.settle) await sleep(input.settle);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await again();
    }
  }
  await condition(allHandlersFinished);
  return outcome;
}
