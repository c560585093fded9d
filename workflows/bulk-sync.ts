import { ActivityFailure, allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureCode, MAX_ATTEMPTS, reconcileOptions, type SyncInput } from './object-sync';

/** "Look at these users": IDs only; each batch reloads their state (the directory is the source of truth). */
export const usersRequested = defineSignal<[string[]]>('usersRequested');

export type BulkProgress = { pending: number; inFlight: number; retrying: number; counts: Record<string, number> };
export const bulkProgress = defineQuery<BulkProgress>('progress');

export type BulkSyncInput = {
  connectorId: string;
  /** Carried over a continue-as-new: users not yet done, and how often each one failed so far. */
  pending?: string[];
  attempts?: Record<string, number>;
  counts?: Record<string, number>;
  retry?: SyncInput['retry'];
};

/** Users per activity, and activities at once (several workers share them). */
const BATCH = 250;
const PARALLEL = 2;

/**
 * bulk-sync/<connectorId>: the connector's users in batches — one activity plans and applies a batch with
 * the one planner and executor — so a cascade or an activation of thousands costs a few dozen activities,
 * not a workflow each. Users a batch could not reach (a transient failure) are tried again later; after
 * MAX_ATTEMPTS they are quarantined like a single sync would. Idle for a minute, it completes; the next
 * request starts it again. History: IDs and counts.
 */
export async function bulkUserSync(input: BulkSyncInput): Promise<{ counts: Record<string, number> }> {
  const { connectorId } = input;
  const reconcile = proxyActivities<Activities>({ ...reconcileOptions(input.retry), startToCloseTimeout: '30 minutes' }).reconcileUsers;
  const { quarantineUsers } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });
  const pending = new Set(input.pending ?? []);
  const attempts = new Map(Object.entries(input.attempts ?? {}));
  const counts: Record<string, number> = { ...input.counts };
  let inFlight = 0;
  let retrying: string[] = [];

  setHandler(usersRequested, (ids) => {
    for (const id of ids) pending.add(id);
  });
  setHandler(bulkProgress, () => ({ pending: pending.size, inFlight, retrying: retrying.length, counts: { ...counts } }));

  const take = (): string[] => {
    const batch = [...pending].slice(0, BATCH);
    for (const id of batch) pending.delete(id);
    return batch;
  };
  const add = (from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) counts[k] = (counts[k] ?? 0) + v;
  };

  /** One batch; whoever it could not reach waits for the next round, or is given up on. */
  async function run(userIds: string[]): Promise<void> {
    inFlight += userIds.length;
    let again: string[] = [];
    let code = 'timeout';
    try {
      const outcome = await reconcile({ connectorId, userIds });
      add(outcome.counts);
      again = outcome.retry;
      code = outcome.code ?? code;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // The activity's own retries ran out for the whole batch: each user has had MAX_ATTEMPTS.
      code = failureCode(err);
      for (const id of userIds) attempts.set(id, MAX_ATTEMPTS);
      again = userIds;
    } finally {
      inFlight -= userIds.length;
    }
    const failed = new Set(again);
    const givenUp = again.filter((id) => {
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      return n >= (input.retry?.maximumAttempts ?? MAX_ATTEMPTS);
    });
    if (givenUp.length > 0) {
      await quarantineUsers({ connectorId, userIds: givenUp, code });
      counts.stuck = (counts.stuck ?? 0) + givenUp.length;
    }
    const quarantined = new Set(givenUp);
    retrying.push(...again.filter((id) => !quarantined.has(id)));
    for (const id of userIds) if (!failed.has(id) || quarantined.has(id)) attempts.delete(id);
  }

  for (;;) {
    if (pending.size === 0 && retrying.length > 0) {
      // Back off before a round of users a batch could not reach (new requests are taken meanwhile).
      await sleep(Math.min(60_000, 1000 * 2 ** Math.min(6, Math.max(...retrying.map((id) => attempts.get(id) ?? 1)))));
      for (const id of retrying) pending.add(id);
      retrying = [];
    }
    if (pending.size === 0 && !(await condition(() => pending.size > 0, '1 minute'))) break;
    // Lanes: each takes the next batch as soon as its last one is done, until nothing is pending.
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (pending.size > 0) await run(take());
      }),
    );
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof bulkUserSync>({ ...input, pending: [...pending, ...retrying], attempts: Object.fromEntries(attempts), counts });
    }
  }
  await condition(allHandlersFinished);
  return { counts };
}
