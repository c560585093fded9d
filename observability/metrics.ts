import { count, eq, sql } from 'drizzle-orm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client';
import { heldDeactivations, holds, syncIntents } from '../db/schema';

/**
 * Bindery's own Prometheus metrics, defined here and nowhere else. Labels are bounded sets (activity types,
 * results, HTTP methods and statuses, rate-limit resources such as `Users/:id`): never an object's ID, a
 * name or an email. The Temporal SDK's worker metrics (`temporal_*`) are appended at scrape time by the
 * metrics server (observability/server.ts).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry }); // process_* and nodejs_*: CPU, memory, event-loop lag

const metric = { registers: [registry] };

/** Objects reconciled, by activity and result (`created`, `updated`, `unchanged`, `deactivated`, `failed`, `held`, …). */
export const syncOutcomes = new Counter({ ...metric, name: 'bindery_sync_outcomes_total', help: 'Objects reconciled by the sync activities, by activity type and result', labelNames: ['activity', 'result'] as const });

/** Activity attempts that threw (Temporal retries them): `RateLimited`, `ScimTransient`, or the error's name. */
export const activityFailures = new Counter({ ...metric, name: 'bindery_activity_failures_total', help: 'Activity attempts that failed and are retried or given up, by activity type and failure', labelNames: ['activity', 'failure'] as const });

/** Every answer from a SCIM target (Slack or another), by method, rate-limit resource and status (`network`: none). */
export const scimResponses = new Counter({ ...metric, name: 'bindery_scim_responses_total', help: 'Answers from SCIM targets by method, resource and HTTP status (network: no answer)', labelNames: ['method', 'resource', 'status'] as const });

export const scimRateLimited = new Counter({ ...metric, name: 'bindery_scim_rate_limited_total', help: 'SCIM requests answered 429 (rate limited), by resource', labelNames: ['resource'] as const });

export const scimDuration = new Histogram({
  ...metric,
  name: 'bindery_scim_request_duration_seconds',
  help: 'Time from sending a SCIM request to its whole answer, by method and resource',
  labelNames: ['method', 'resource'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** Requests the rate governor made wait for a token (db/governor.ts), and for how long in all. */
export const governorWaits = new Counter({ ...metric, name: 'bindery_governor_waits_total', help: 'SCIM requests the rate governor held back until their rate-limit buckets had a token', labelNames: ['method', 'resource'] as const });
export const governorWaitSeconds = new Counter({ ...metric, name: 'bindery_governor_wait_seconds_total', help: 'Seconds SCIM requests spent waiting for the rate governor', labelNames: ['method', 'resource'] as const });

/** The outbox dispatcher's deliveries to Temporal (intents; several intents for one object are one signal). */
export const outboxDelivered = new Counter({ ...metric, name: 'bindery_outbox_delivered_total', help: 'Outbox intents delivered to Temporal by the dispatcher' });
export const outboxDeliveryFailures = new Counter({ ...metric, name: 'bindery_outbox_delivery_failures_total', help: 'Outbox intents Temporal refused; they are retried with backoff' });

/** A SCIM answer as the client reports it (targets/scim-client.ts onAnswer). */
export type ScimAnswer = { method: string; resource: string; status?: number; seconds: number };

export function recordScimAnswer(a: ScimAnswer): void {
  const status = a.status === undefined ? 'network' : String(a.status);
  scimResponses.inc({ method: a.method, resource: a.resource, status });
  if (a.status === 429) scimRateLimited.inc({ resource: a.resource });
  scimDuration.observe({ method: a.method, resource: a.resource }, a.seconds);
}

/** A wait of the rate governor before one request (db/governor.ts onWait). */
export function recordGovernorWait(method: string, resource: string, seconds: number): void {
  governorWaits.inc({ method, resource });
  governorWaitSeconds.inc({ method, resource }, seconds);
}

/** The results an activity's return value reports: `{result}` for one object, `{counts}` for a batch. */
export function resultsOf(output: unknown): Array<[result: string, n: number]> {
  if (typeof output !== 'object' || output === null) return [['done', 1]];
  const o = output as { result?: unknown; counts?: unknown };
  if (typeof o.result === 'string') return [[o.result, 1]];
  if (typeof o.counts === 'object' && o.counts !== null) {
    return Object.entries(o.counts).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
  }
  return [['done', 1]];
}

export function recordActivityOutput(activity: string, output: unknown): void {
  for (const [result, n] of resultsOf(output)) syncOutcomes.inc({ activity, result }, n);
}

/**
 * Gauges read from the database when Prometheus scrapes (nothing is queried otherwise): the outbox's depth
 * and the age of its oldest intent (what the dispatcher has still to deliver), and the deactivations the
 * circuit breaker holds for an admin. Its own registry, so each process binds it to its database.
 */
export function databaseMetrics(db: Db): Registry {
  const dbRegistry = new Registry();
  const on = { registers: [dbRegistry] };
  let outbox: Promise<{ depth: number; age: number }> | undefined;
  // One query per scrape feeds both outbox gauges.
  const readOutbox = () =>
    (outbox ??= db
      .select({ depth: count(), age: sql<string | number | null>`extract(epoch from now() - min(${syncIntents.createdAt}))` })
      .from(syncIntents)
      .then(([row]) => ({ depth: Number(row?.depth ?? 0), age: Math.max(0, Number(row?.age ?? 0)) }))
      .finally(() => setImmediate(() => (outbox = undefined))));
  new Gauge({
    ...on,
    name: 'bindery_outbox_depth',
    help: 'Intents in the outbox not yet delivered to Temporal (queued, leased or backing off)',
    async collect() {
      this.set((await readOutbox()).depth);
    },
  });
  new Gauge({
    ...on,
    name: 'bindery_outbox_oldest_age_seconds',
    help: 'Age of the oldest intent in the outbox (0 when it is empty)',
    async collect() {
      this.set((await readOutbox()).age);
    },
  });
  new Gauge({
    ...on,
    name: 'bindery_held_deactivations',
    help: 'Deactivations the circuit breaker holds for an admin to approve or reject (open holds)',
    async collect() {
      const [row] = await db.select({ n: count() }).from(heldDeactivations).innerJoin(holds, eq(holds.id, heldDeactivations.holdId)).where(eq(holds.status, 'open'));
      this.set(Number(row?.n ?? 0));
    },
  });
  new Gauge({
    ...on,
    name: 'bindery_open_holds',
    help: "The circuit breaker's holds waiting for an admin's decision",
    async collect() {
      const [row] = await db.select({ n: count() }).from(holds).where(eq(holds.status, 'open'));
      this.set(Number(row?.n ?? 0));
    },
  });
  return dbRegistry;
}
