import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Bucket, bucketsFor, maxGrants } from '../../core/token-bucket';
import { SLACK_RATE_LIMITS } from '../../targets/slack/facts';
import { type Database, type Db, openDatabase } from '../../db/client';
import { type Governor, type GovernorOptions, createGovernor } from '../../db/governor';
import { rateBuckets } from '../../db/schema';
import { startEmulator } from '../../emulator/server';
import { TEST_DATABASE_URL } from '../support/database-url';

// The rate governor on embedded PGlite and on a PostgreSQL database of this file's own (created
// and dropped here, so parallel files and the shared test schema are left alone).

const scratchName = `bindery_governor_${randomBytes(5).toString('hex')}`;
const scratchUrl = (() => {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${scratchName}`;
  return u.toString();
})();

let admin: postgres.Sql | undefined;
let lite: Database;
let pgA: Database;
let pgB: Database; // a second pool, as another worker process would have

beforeAll(async () => {
  admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${scratchName}"`);
  } catch (err) {
    throw new Error(`these tests need PostgreSQL at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (run \`npm run setup\`): ${(err as Error).message}`);
  }
  lite = await openDatabase();
  pgA = await openDatabase({ url: scratchUrl }); // migrates
  pgB = await openDatabase({ url: scratchUrl });
}, 30_000);

afterAll(async () => {
  await Promise.all([lite?.close(), pgA?.close(), pgB?.close()]);
  await admin?.unsafe(`drop database if exists "${scratchName}" with (force)`);
  await admin?.end();
});

const orgKey = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

/** The db, with the longest round trip of any statement recorded (a grant happened within one). */
function timed(db: Db): { db: Db; maxRttMs: () => number } {
  let max = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'execute') return Reflect.get(target, prop, receiver) as unknown;
      return async (query: Parameters<Db['execute']>[0]) => {
        const start = performance.now();
        try {
          return await target.execute(query);
        } finally {
          max = Math.max(max, performance.now() - start);
        }
      };
    },
  });
  return { db: proxy, maxRttMs: () => max };
}

/** Runs `total` jobs through `workers` concurrent loops. */
async function drive(workers: number, total: number, job: (i: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (next < total) await job(next++, w);
    }),
  );
}

/**
 * How far the grants overshoot the bucket in their worst window (≤ 0: within it). `times` are when
 * acquire returned (ms); each grant happened at most `rttMs` earlier, which widens every window.
 */
function overshoot(times: number[], bucket: Pick<Bucket, 'capacity' | 'ratePerSec'>, rttMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let worst = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < t.length; a++) {
    for (let b = a; b < t.length; b++) worst = Math.max(worst, b - a + 1 - maxGrants(bucket, (t[b]! - t[a]! + rttMs) / 1000));
  }
  return worst;
}

/** Seconds the buckets need at least for `count` grants per bucket name, starting full. */
function idealSeconds(counts: Map<string, number>, buckets: Bucket[]): number {
  return Math.max(0, ...buckets.map((b) => ((counts.get(b.name) ?? 0) - b.capacity) / b.ratePerSec));
}

async function tokensOf(db: Db, key: string): Promise<number | undefined> {
  const [row] = await db.select({ tokens: rateBuckets.tokens }).from(rateBuckets).where(eq(rateBuckets.key, key));
  return row?.tokens;
}

const WRITES = [
  ['POST', 'Users'],
  ['PATCH', 'Users/:id'],
  ['DELETE', 'Users/:id'],
  ['POST', 'Groups'],
] as const;

describe.each([
  ['PGlite', () => lite.db],
  ['PostgreSQL', () => pgA.db],
])('on %s', (_name, dbOf) => {
  it('concurrent acquires never exceed capacity + rate × elapsed, for the endpoints and the org set', async () => {
    // Small bursts so most grants come from the refill; four endpoints at 3/s×scale each outrun
    // the org write set (10/s×scale), so both kinds of bucket bind in turn.
    const opts: GovernorOptions = { limits: SLACK_RATE_LIMITS, scale: 10, safety: { rate: 1, burst: 0.1 } };
    const { db, maxRttMs } = timed(dbOf());
    const gov = createGovernor(db, opts);
    const org = orgKey('a');
    const times = new Map<string, number[]>();
    const started = performance.now();
    await drive(6, 320, async (i) => {
      const [method, resource] = WRITES[i % WRITES.length]!;
      await gov.acquire(org, method, resource);
      const at = performance.now();
      for (const b of bucketsFor(SLACK_RATE_LIMITS, method, resource, opts)) times.set(b.name, [...(times.get(b.name) ?? []), at]);
    });
    const elapsed = (performance.now() - started) / 1000;

    const all = new Map<string, Bucket>(WRITES.flatMap(([m, r]) => bucketsFor(SLACK_RATE_LIMITS, m, r, opts).map((b) => [b.name, b] as const)));
    expect([...times.keys()].sort()).toEqual([...all.keys()].sort());
    for (const [name, b] of all) expect(overshoot(times.get(name)!, b, maxRttMs()), name).toBeLessThanOrEqual(1e-9);
    // …and does not dawdle either: close to what the buckets allow.
    const ideal = idealSeconds(new Map([...times].map(([k, v]) => [k, v.length])), [...all.values()]);
    expect(ideal).toBeGreaterThan(1);
    expect(elapsed).toBeGreaterThanOrEqual(ideal * 0.95);
    expect(elapsed).toBeLessThan(ideal * 1.3 + 0.5);
  }, 15_000);

  it('takes from all buckets or none: an empty endpoint budget leaves the org set alone', async () => {
    // A rate so slow nothing refills during the test.
    const gov = createGovernor(dbOf(), { limits: SLACK_RATE_LIMITS,  scale: 1, safety: { rate: 0.001, burst: 1 } });
    const org = orgKey('c');
    const [orgWrite, post] = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { safety: 1 });
    for (let i = 0; i < post!.capacity; i++) expect((await gov.tryAcquire(org, 'POST', 'Users')).granted).toBe(true);
    const denied = await gov.tryAcquire(org, 'POST', 'Users');
    expect(denied.granted).toBe(false);
    expect(denied.waitMs).toBeGreaterThan(1000);
    const left = await tokensOf(dbOf(), `${org}|org write`);
    expect(left).toBeGreaterThanOrEqual(orgWrite!.capacity - post!.capacity);
    expect(left).toBeLessThan(orgWrite!.capacity - post!.capacity + 0.5);
    expect(await tokensOf(dbOf(), `${org}|POST Users`)).toBeLessThan(1);
    // The org set still has room for another endpoint.
    expect((await gov.tryAcquire(org, 'PATCH', 'Users/U1')).granted).toBe(true);
  });

  it('takes from all buckets or none: an empty org set leaves the endpoint budget alone', async () => {
    const gov = createGovernor(dbOf(), { limits: SLACK_RATE_LIMITS,  scale: 0.01, safety: { rate: 0.001, burst: 1 } });
    const org = orgKey('c2');
    const [orgRead] = bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Users', { scale: 0.01, safety: 1 });
    let lists = 0;
    while ((await gov.tryAcquire(org, 'GET', 'Users')).granted) lists++; // lists count only against the org read set
    expect(lists).toBe(Math.floor(orgRead!.capacity));
    const [, getUser] = bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Users/:id', { scale: 0.01, safety: 1 });
    expect(getUser!.capacity).toBeGreaterThanOrEqual(1);
    expect((await gov.tryAcquire(org, 'GET', 'Users/:id')).granted).toBe(false);
    expect(await tokensOf(dbOf(), `${org}|GET Users/:id`)).toBe(getUser!.capacity); // created full, not charged
  });

  it('acquire waits for the refill, and gives up when its signal aborts', async () => {
    const gov = createGovernor(dbOf(), { limits: SLACK_RATE_LIMITS,  scale: 0.01, safety: 1 });
    const org = orgKey('w');
    await gov.acquire(org, 'DELETE', 'Users/:id'); // the one token of a tiny bucket
    const waiting = gov.acquire(org, 'DELETE', 'Users/:id', AbortSignal.timeout(100));
    await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(gov.acquire(org, 'DELETE', 'Users/:id', aborted.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('disabled: acquire returns at once and stores nothing', async () => {
    const gov = createGovernor(dbOf(), { limits: SLACK_RATE_LIMITS,  enabled: false, scale: 0.001 });
    const org = orgKey('off');
    for (let i = 0; i < 50; i++) await gov.acquire(org, 'POST', 'Users');
    expect(await gov.tryAcquire(org, 'POST', 'Users')).toEqual({ granted: true, waitMs: 0 });
    expect(await tokensOf(dbOf(), `${org}|POST Users`)).toBeUndefined();
  });
});

describe('shared through PostgreSQL', () => {
  it('two pools acquiring for one org together stay within its limits', async () => {
    const opts: GovernorOptions = { limits: SLACK_RATE_LIMITS, scale: 10, safety: { rate: 1, burst: 0.1 } };
    const a = timed(pgA.db);
    const b = timed(pgB.db);
    const govs: Governor[] = [createGovernor(a.db, opts), createGovernor(b.db, opts)];
    const org = orgKey('b');
    const times: number[] = [];
    const perGov = [0, 0];
    const started = performance.now();
    await drive(6, 90, async (_i, w) => {
      await govs[w % 2]!.acquire(org, 'POST', 'Users');
      times.push(performance.now());
      perGov[w % 2]! += 1;
    });
    const elapsed = (performance.now() - started) / 1000;
    expect(perGov[0]).toBeGreaterThan(20);
    expect(perGov[1]).toBeGreaterThan(20);
    const [orgWrite, post] = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', opts);
    const rtt = Math.max(a.maxRttMs(), b.maxRttMs());
    expect(overshoot(times, post!, rtt)).toBeLessThanOrEqual(1e-9);
    expect(overshoot(times, orgWrite!, rtt)).toBeLessThanOrEqual(1e-9);
    const ideal = (90 - post!.capacity) / post!.ratePerSec;
    expect(elapsed).toBeGreaterThanOrEqual(ideal * 0.95);
    expect(elapsed).toBeLessThan(ideal * 1.3 + 0.5); // one budget, not two
  }, 15_000);

  it('different orgs do not share', async () => {
    const opts: GovernorOptions = { limits: SLACK_RATE_LIMITS, scale: 1, safety: { rate: 0.001, burst: 1 } };
    const govA = createGovernor(pgA.db, opts);
    const govB = createGovernor(pgB.db, opts);
    const [, post] = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { safety: 1 });
    const [x, y] = [orgKey('x'), orgKey('y')];
    for (let i = 0; i < post!.capacity; i++) expect((await govA.tryAcquire(x, 'POST', 'Users')).granted).toBe(true);
    expect((await govB.tryAcquire(x, 'POST', 'Users')).granted).toBe(false); // same org, other pool: empty
    for (let i = 0; i < post!.capacity; i++) expect((await govB.tryAcquire(y, 'POST', 'Users')).granted).toBe(true);
    expect((await govA.tryAcquire(y, 'POST', 'Users')).granted).toBe(false);
  });

  it('concurrent first use of an org creates each bucket once', async () => {
    const opts: GovernorOptions = { limits: SLACK_RATE_LIMITS, scale: 1, safety: { rate: 0.001, burst: 1 } };
    const govs = [createGovernor(pgA.db, opts), createGovernor(pgB.db, opts)];
    const org = orgKey('first');
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => govs[i % 2]!.tryAcquire(org, 'PATCH', 'Groups/G1')));
    expect(results.every((r) => r.granted)).toBe(true);
    const [orgWrite, patch] = bucketsFor(SLACK_RATE_LIMITS, 'PATCH', 'Groups/:id', { safety: 1 });
    expect(await tokensOf(pgA.db, `${org}|PATCH Groups/:id`)).toBeCloseTo(patch!.capacity - 16, 1);
    expect(await tokensOf(pgA.db, `${org}|org write`)).toBeCloseTo(orgWrite!.capacity - 16, 1);
  });
});

describe('against the emulator with Slack\'s limits on', () => {
  it('~300 creates from concurrent workers through the governor get no 429', async () => {
    const scale = 10;
    const token = `xoxp-governor-${randomBytes(6).toString('hex')}`;
    const emulator = await startEmulator({ port: 0, token, rateLimits: { enabled: true, scale } });
    try {
      // Two processes' worth of governors over PostgreSQL, with the default safety margins.
      const govs = [createGovernor(pgA.db, { limits: SLACK_RATE_LIMITS,  scale }), createGovernor(pgB.db, { limits: SLACK_RATE_LIMITS,  scale })];
      const org = orgKey('emu');
      const statuses = new Map<number, number>();
      const n = 300;
      const started = performance.now();
      await drive(6, n, async (i, w) => {
        await govs[w % 2]!.acquire(org, 'POST', 'Users');
        const res = await fetch(`${emulator.baseUrl}/Users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ schemas: [SCHEMAS.user], userName: `u${i}`, emails: [{ value: `u${i}@example.com` }] }),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      });
      const elapsed = (performance.now() - started) / 1000;
      const tooMany = statuses.get(429) ?? 0;
      expect(tooMany, JSON.stringify([...statuses])).toBeLessThanOrEqual(Math.floor(n * 0.005));
      expect(statuses.get(201) ?? 0).toBe(n - tooMany);
      const stats = (await (await fetch(`${emulator.origin}/_emulator/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        totals: { total: number; byStatus: Record<string, number> };
      };
      expect(stats.totals.total).toBe(n);
      expect(stats.totals.byStatus['429'] ?? 0).toBe(tooMany);
      // Paced by the governor's own endpoint budget, not slower.
      const [, post] = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale });
      const ideal = (n - post!.capacity) / post!.ratePerSec;
      expect(ideal).toBeGreaterThan(2);
      expect(elapsed).toBeGreaterThanOrEqual(ideal * 0.95);
      expect(elapsed).toBeLessThan(ideal * 1.25 + 0.5);
    } finally {
      await emulator.close();
    }
  }, 20_000);
});
