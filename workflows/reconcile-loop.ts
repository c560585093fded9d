import { allHandlersFinished, condition, continueAsNew, defineSignal, setHandler, sleep, workflowInfo } from '@temporalio/workflow';

/** "Look at this object again": carries nothing; the workflow reloads the object's state by ID. */
export const syncRequested = defineSignal('syncRequested');

export type LoopOptions = {
  /** How long to stay open for further requests before completing (default 1 minute). */
  idleTimeout?: string | number;
  /**
   * Minimum time between two passes. A pass that reads the whole object (a group of thousands) is worth
   * batching: requests arriving meanwhile are served by one pass after it.
   */
  settle?: string | number;
};

/**
 * The shape every per-object sync workflow shares. Started with signal-with-start, so a burst of
 * requests coalesces: a request that arrives during a pass causes exactly one more pass. After an idle
 * period the workflow completes (the next request starts a new run under the same ID); a long-lived one
 * continues as new before its history grows large.
 */
export async function reconcileLoop<T>(opts: LoopOptions, pass: () => Promise<T>, again: () => Promise<never>): Promise<T> {
  let requested = true;
  setHandler(syncRequested, () => {
    requested = true;
  });
  let outcome: T;
  for (;;) {
    requested = false;
    outcome = await pass();
    if (!(await condition(() => requested, opts.idleTimeout ?? '1 minute'))) break;
    if (opts.settle) await sleep(opts.settle);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await again();
    }
  }
  await condition(allHandlersFinished);
  return outcome;
}

export { continueAsNew };
