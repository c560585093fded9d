import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { claimIntents, completeIntents, failIntents, type Intent } from '../db/outbox';
import { BULK_MIN_USERS, SYNC_KINDS } from '../core/sync-kinds';
import { getConnector } from '../db/connectors';
import { ensureResyncSchedule } from './schedules';
import { requestBulkSync, requestSync } from './temporal';
import { outboxDelivered, outboxDeliveryFailures } from '../observability/metrics';

/** Intents answered by one signal: one object's, or (bulk) many users' of one connector. */
type Delivery = { intents: Intent[]; send: () => Promise<void> };

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
  /** A delivery with at least this many users of one connector goes to its bulk workflow (0: never). */
  bulkMinUsers?: number;
  log?: (message: string) => void;
};

/**
 * Delivers outbox intents to Temporal (signal-with-start on the object's workflow). While Temporal is
 * unreachable the intents stay in the database and are retried with backoff, so a directory change is
 * never lost between the database and Temporal (D4). Delivery is at least once; a repeated signal only
 * causes one more (harmless) reconciliation pass.
 */
export function startDispatcher(opts: DispatcherOptions): Dispatcher {
  const { db, temporal, taskQueue, batchSize = 500, pollMs = 1000, concurrency = 32, bulkMinUsers = BULK_MIN_USERS, log = () => {} } = opts;
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
    // Many users of one connector at once (an activation, a big binding, a cascade) go in bulk: one signal.
    const usersOf = new Map<string, Intent[][]>();
    for (const intents of byObject.values()) {
      const i = intents[0]!;
      if (i.kind === 'user') usersOf.set(i.connectorId, [...(usersOf.get(i.connectorId) ?? []), intents]);
    }
    const bulk = new Set([...usersOf].filter(([, users]) => bulkMinUsers > 0 && users.length >= bulkMinUsers).map(([connectorId]) => connectorId));
    const groups: Delivery[] = [
      ...[...byObject.values()].filter((intents) => !(intents[0]!.kind === 'user' && bulk.has(intents[0]!.connectorId))).map((intents) => ({ intents, send: () => deliver(intents[0]!) })),
      ...[...bulk].map((connectorId) => {
        const users = usersOf.get(connectorId)!;
        return { intents: users.flat(), send: () => requestBulkSync(temporal, taskQueue, connectorId, users.map((u) => u[0]!.objectId)).then(() => undefined) };
      }),
    ];
    const done: number[] = [];
    const failed: Intent[] = [];
    let firstError = '';
    for (let i = 0; i < groups.length; i += concurrency) {
      await Promise.all(
        groups.slice(i, i + concurrency).map(async ({ intents, send }) => {
          try {
            await send();
            done.push(...intents.map((x) => x.id));
          } catch (err) {
            failed.push(...intents);
            firstError ||= err instanceof Error ? err.message : String(err);
          }
        }),
      );
    }
    await completeIntents(db, done);
    outboxDelivered.inc(done.length);
    outboxDeliveryFailures.inc(failed.length);
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
