/**
 * The rate governor (U7, architecture principle 6): keeps every Bindery worker, together, under
 * Slack's SCIM rate limits before sending, rather than learning about them from 429s.
 *
 * Buckets live in the `rate_buckets` table, keyed `${orgKey}|${bucketName}`, so every process and
 * every connector that talks to the same Slack organisation draws from one budget. One request
 * takes a token from each of its buckets (org-wide set + endpoint budget, core/token-bucket.ts)
 * or from none, in a single SQL statement:
 *   1. lock the request's bucket rows in key order (SELECT … FOR UPDATE; the order rules out
 *      deadlocks between requests sharing buckets),
 *   2. refill each from the database clock (`clock_timestamp()`, one clock for every worker),
 *   3. take one token from every row if each holds a whole one, else only store the refill.
 * Under READ COMMITTED (the default) FOR UPDATE waits for a concurrent holder and then reads the
 * row as that holder left it, so no token is ever counted twice. A bucket seen for the first time
 * is inserted full by a second statement, then the request is tried again (once per bucket and
 * organisation, ever). Works on PostgreSQL (postgres-js) and on PGlite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { type Bucket, type BucketOptions, bucketsFor, type RateTable, waitMsFor } from '../core/token-bucket';
import type { Db } from './client';
import { rateBuckets } from './schema';

export interface GovernorOptions extends BucketOptions {
  /** The limits it keeps to (Slack's: targets/slack/facts.ts SLACK_RATE_LIMITS). */
  limits: RateTable;
  /** false: never waits (Slack's limits off, e.g. against an emulator without them). Default true. */
  enabled?: boolean;
  /** Upper bound of the random delay added to each wait, so waiters do not all wake at once. Default 15 ms. */
  jitterMs?: number;
  /** Told once per request that had to wait, with the whole wait (e.g. for metrics). */
  onWait?: (method: string, resource: string, seconds: number) => void;
}

export interface AcquireResult {
  granted: boolean;
  /** 0 when granted, else the milliseconds until every bucket should hold a token. */
  waitMs: number;
}

export interface Governor {
  /** Waits until the request may be sent to Slack, and counts it. Rejects when `signal` aborts. */
  acquire(orgKey: string, method: string, resource: string, signal?: AbortSignal): Promise<void>;
  /** One attempt: counts the request and grants it, or says how long to wait. */
  tryAcquire(orgKey: string, method: string, resource: string): Promise<AcquireResult>;
}

type Row = { key: string; tokens: number | string; ok: boolean | string | null };

/** postgres-js answers with an array of rows, PGlite with `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/** SQLSTATEs after which the statement can simply run again: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

function requested(orgKey: string, buckets: Bucket[]) {
  const rows = buckets
    .map((b) => ({ key: `${orgKey}|${b.name}`, capacity: b.capacity, rate: b.ratePerSec }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const values = sql.join(
    rows.map((r) => sql`(${r.key}::text, ${r.capacity}::float8, ${r.rate}::float8)`),
    sql`, `,
  );
  return { rows, values };
}

export function createGovernor(db: Db, opts: GovernorOptions): Governor {
  const enabled = opts.enabled ?? true;
  const jitterMs = Math.max(0, opts.jitterMs ?? 15);
  const bucketOpts: BucketOptions = { scale: opts.scale, safety: opts.safety };
  bucketsFor(opts.limits, 'POST', 'Users', bucketOpts); // validates scale and safety now, not at the first request
  const cache = new Map<string, Bucket[]>();

  function bucketsOf(method: string, resource: string): Bucket[] {
    const id = `${method.toUpperCase()} ${resource}`;
    let buckets = cache.get(id);
    if (!buckets) {
      buckets = bucketsFor(opts.limits, method, resource, bucketOpts);
      if (cache.size < 1000) cache.set(id, buckets); // callers may pass concrete ids: keep the cache bounded
    }
    return buckets;
  }

  async function take(orgKey: string, buckets: Bucket[]): Promise<AcquireResult | 'missing'> {
    const { rows: wanted, values } = requested(orgKey, buckets);
    const result = await db.execute(sql`
      with req (key, capacity, rate) as (values ${values}),
      locked as (
        select b.key, b.tokens, b.refreshed_at
        from ${rateBuckets} b
        where b.key in (select key from req)
        order by b.key
        for update
      ),
      clocked as (select l.*, clock_timestamp() as now from locked l),
      cur as (
        select c.key, c.now,
          least(r.capacity, c.tokens + r.rate * greatest(0, extract(epoch from (c.now - c.refreshed_at))::float8)) as tokens
        from clocked c join req r on r.key = c.key
      ),
      decision as (
        select count(*) = ${wanted.length}::int and coalesce(bool_and(tokens >= 1), false) as ok from cur
      ),
      upd as (
        update ${rateBuckets} b
        set tokens = c.tokens - (case when d.ok then 1 else 0 end),
            refreshed_at = greatest(b.refreshed_at, c.now)
        from cur c, decision d
        where b.key = c.key
        returning b.key, b.tokens, d.ok
      )
      select key, tokens, ok from upd`);
    const rows = rowsOf<Row>(result);
    if (rows.length < wanted.length) return 'missing';
    if (rows.every((r) => r.ok === true || r.ok === 't')) return { granted: true, waitMs: 0 };
    const byKey = new Map(rows.map((r) => [r.key, Number(r.tokens)]));
    const waitMs = Math.max(...wanted.map((w) => waitMsFor(byKey.get(w.key) ?? 0, w.rate)));
    return { granted: false, waitMs: Math.max(1, waitMs) };
  }

  /** Inserts the request's buckets that do not exist yet, full. */
  async function seed(orgKey: string, buckets: Bucket[]): Promise<void> {
    const { values } = requested(orgKey, buckets);
    await db.execute(sql`
      insert into ${rateBuckets} (key, tokens, refreshed_at)
      select key, capacity, clock_timestamp() from (values ${values}) as req (key, capacity, rate)
      order by key
      on conflict (key) do nothing`);
  }

  async function tryAcquire(orgKey: string, method: string, resource: string): Promise<AcquireResult> {
    if (!enabled) return { granted: true, waitMs: 0 };
    if (!orgKey) throw new Error('the rate governor needs the Slack organisation key');
    const buckets = bucketsOf(method, resource);
    // A retry needs no wait: a missing row exists once `seed` returns; a deadlock or serialization
    // failure (only under a stricter default isolation level) means another request just finished.
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await take(orgKey, buckets);
        if (r !== 'missing') return r;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`rate governor: bucket rows for ${orgKey} vanish as soon as they are created`);
        await seed(orgKey, buckets);
      } catch (err) {
        const state = sqlState(err);
        if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw err;
      }
    }
  }

  async function acquire(orgKey: string, method: string, resource: string, signal?: AbortSignal): Promise<void> {
    if (!enabled) return;
    let waitingSince: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const { granted, waitMs } = await tryAcquire(orgKey, method, resource);
      if (granted) {
        if (waitingSince !== undefined) opts.onWait?.(method.toUpperCase(), resource, (performance.now() - waitingSince) / 1000);
        return;
      }
      waitingSince ??= performance.now();
      try {
        await sleep(waitMs + Math.random() * jitterMs, undefined, { signal });
      } catch (err) {
        throw signal?.aborted ? signal.reason : err; // the caller's reason, as fetch does
      }
    }
  }

  return { acquire, tryAcquire };
}
