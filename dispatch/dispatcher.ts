import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { claimIntents, completeIntents, failIntents, type Intent } from '../db/outbox';
import { SYNC_KINDS } from '../core/sync-kinds';
import { getConnector } from '../db/connectors';
import { ensureResyncSchedule } from './schedules';
import { requestSync } from './temporal';

export type Dispatcher = {
  /** Wakes the loop now (after a change was committed) instead of at the next poll. */
  notify(): void;
  /** Resolves once the outbox has been seen empty (tests and `npm start --demo`). */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

export type DispatcherOptions = {
  db: Db;
  temporal: Client;
  taskQueue: string;
  batchSize?: number;
  pollMs?: number;
  /** Signals in flight at once. */
  concurrency?: number;
  log?: (message: string) => void;
};

/**
 * Delivers outbox intents to Temporal (signal-with-start on the object's workflow). While Temporal is
 * unreachable the intents stay in the database and are retried with backoff, so a directory change is
 * never lost between the database and Temporal (D4). Delivery is at least once; a repeated signal only
 * causes one more (harmless) reconciliation pass.
 */
export function startDispatcher(opts: DispatcherOptions): Dispatcher {
  const { db, temporal, taskQueue, batchSize = 200, pollMs = 1000, concurrency = 32, log = () => {} } = opts;
  let stopped = false;
  let wake: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  let failingSince: number | undefined;

  async function deliver(intent: Intent): Promise<void> {
    if ('delivery' in SYNC_KINDS[intent.kind]) {
      // The schedule follows the connector as it is now (level-triggered, like every intent).
      const connector = await getConnector(db, intent.connectorId);
      await ensureResyncSchedule(temporal, taskQueue, intent.connectorId, connector?.idmStatus === 'active');
      return;
    }
    await requestSync(temporal, taskQueue, { kind: intent.kind, connectorId: intent.connectorId, objectId: intent.objectId });
  }

  async function drainOnce(): Promise<number> {
    const batch = await claimIntents(db, batchSize);
    if (batch.length === 0) return 0;
    // Coalesce: one signal per object, whatever the number of intents for it.
    const byObject = new Map<string, Intent[]>();
    for (const i of batch) {
      const key = `${i.kind}/${i.connectorId}/${i.objectId}`;
      byObject.set(key, [...(byObject.get(key) ?? []), i]);
    }
    const groups = [...byObject.values()];
    const done: number[] = [];
    const failed: Intent[] = [];
    let firstError = '';
    for (let i = 0; i < groups.length; i += concurrency) {
      await Promise.all(
        groups.slice(i, i + concurrency).map(async (intents) => {
          try {
            await deliver(intents[0]!);
            done.push(...intents.map((x) => x.id));
          } catch (err) {
            failed.push(...intents);
            firstError ||= err instanceof Error ? err.message : String(err);
          }
        }),
      );
    }
    await completeIntents(db, done);
    if (failed.length > 0) {
      const attempts = Math.max(...failed.map((f) => f.attempts));
      await failIntents(db, failed.map((f) => f.id), firstError, Math.min(30, 2 ** attempts));
      if (failingSince === undefined) log(`dispatcher: Temporal refused ${failed.length} intent(s), retrying with backoff: ${firstError}`);
      failingSince ??= Date.now();
    } else if (failingSince !== undefined) {
      log('dispatcher: delivering again');
      failingSince = undefined;
    }
    return done.length;
  }

  const loop = (async () => {
    while (!stopped) {
      let delivered = 0;
      try {
        delivered = await drainOnce();
      } catch (err) {
        log(`dispatcher: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (delivered === 0) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
      if (delivered < batchSize && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  })();

  return {
    notify: () => wake?.(),
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wake?.();
      }),
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      for (const w of idleWaiters) w();
    },
  };
}
