/**
 * Benchmark of the rate governor (U7): bulk-creates users in a fresh emulator with Slack's limits on,
 * from several concurrent loops sharing one governor over PostgreSQL, and reports how much of the
 * allowed write rate was used (goal ≥ 95%) and how many requests Slack answered 429 (goal ≤ 0.5%).
 *
 *   npx tsx bench/governor.ts [--users N] [--scale S] [--workers W]
 *                             [--safety-rate R] [--safety-burst B] [--in-place]
 *
 * The PostgreSQL server is DATABASE_URL's, else the test database's. By default the run gets a
 * scratch database of its own on that server (created, migrated, dropped), so it neither depends on
 * nor touches the state of the one named; --in-place uses the named database itself.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { SCHEMAS } from '../targets/slack/facts';
import { bucketsFor, maxGrants } from '../core/token-bucket';
import { SLACK_RATE_LIMITS } from '../targets/slack/facts';
import { type Database, openDatabase } from '../db/client';
import { createGovernor } from '../db/governor';
import { startEmulator } from '../emulator/server';
import { TEST_DATABASE_URL } from '../test/support/database-url';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    scale: { type: 'string', default: '10' },
    workers: { type: 'string', default: '8' },
    'safety-rate': { type: 'string' },
    'safety-burst': { type: 'string' },
    'in-place': { type: 'boolean', default: false },
  },
});

function positive(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  return n;
}

const users = positive('users', args.users, true)!;
const scale = positive('scale', args.scale, false)!;
const workers = positive('workers', args.workers, true)!;
const safety = { rate: positive('safety-rate', args['safety-rate'], false), burst: positive('safety-burst', args['safety-burst'], false) };
const safetyOpt = Object.fromEntries(Object.entries(safety).filter(([, v]) => v !== undefined));

const serverUrl = process.env.DATABASE_URL ?? TEST_DATABASE_URL;
const redacted = (url: string) => url.replace(/:[^:@/]*@/, ':***@');

/** The database the run uses, and how to clean up after it. */
async function database(): Promise<{ database: Database; drop(): Promise<void> }> {
  if (args['in-place']) return { database: await openDatabase({ url: serverUrl }), drop: async () => {} };
  const name = `bindery_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return {
      database: await openDatabase({ url: url.toString() }),
      drop: async () => {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end();
      },
    };
  } catch (err) {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
    throw err;
  }
}

type Stats = { totals: { total: number; byStatus: Record<string, number> } };

async function main(): Promise<void> {
  const { database: db, drop } = await database();
  const token = `xoxp-bench-${randomBytes(8).toString('hex')}`;
  const emulator = await startEmulator({ port: 0, token, rateLimits: { enabled: true, scale } });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    const governor = createGovernor(db.db, { limits: SLACK_RATE_LIMITS,  scale, safety: safetyOpt });
    const org = `bench-${randomBytes(4).toString('hex')}`;
    const created: number[] = []; // when each create was answered 201, ms since start
    let next = 0;
    let retried = 0;
    const started = performance.now();

    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < users) {
          const i = next++;
          for (;;) {
            await governor.acquire(org, 'POST', 'Users');
            const res = await fetch(`${emulator.baseUrl}/Users`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ schemas: [SCHEMAS.user], userName: `u${i}`, emails: [{ value: `u${i}@example.com` }] }),
            });
            await res.arrayBuffer();
            if (res.status === 201) {
              created.push(performance.now() - started);
              break;
            }
            if (res.status !== 429) throw new Error(`create u${i}: HTTP ${res.status}`);
            // The fallback when the governor got it wrong: wait what Slack asks, then try again.
            retried++;
            await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
          }
        }
      }),
    );

    const elapsedSec = (performance.now() - started) / 1000;
    const stats = (await (await fetch(`${emulator.origin}/_emulator/stats`, { headers })).json()) as Stats;
    const total = stats.totals.total;
    const tooMany = stats.totals.byStatus['429'] ?? 0;

    // What Slack allows for this mix (POST /Users only): its org write set and the endpoint budget.
    const slack = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale, safety: 1 });
    const ours = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale, safety: safetyOpt });
    const sustained = Math.min(...slack.map((b) => b.ratePerSec));
    const binding = slack.reduce((a, b) => (b.ratePerSec < a.ratePerSec ? b : a));
    const allowedInRun = Math.min(...slack.map((b) => maxGrants(b, elapsedSec)));
    const achieved = users / elapsedSec;
    const shareUsed = users / allowedInRun;
    // Steady state: the second half of the run, long after the governor's burst is spent, where
    // only the refill sets the pace.
    created.sort((a, b) => a - b);
    const half = Math.floor(created.length / 2);
    const steadyRate = created.length >= 4 ? (created.length - 1 - half) / ((created[created.length - 1]! - created[half]!) / 1000) : Number.NaN;
    const share429 = total > 0 ? tooMany / total : 0;

    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    const lines = [
      `users ${users}, scale ${scale}, workers ${workers}, governor buckets ${JSON.stringify(ours.map((b) => ({ bucket: b.name, capacity: +b.capacity.toFixed(3), perSec: +b.ratePerSec.toFixed(3) })))}`,
      `database: PostgreSQL at ${redacted(serverUrl)}${args['in-place'] ? '' : ' (scratch database)'}`,
      `elapsed: ${elapsedSec.toFixed(2)} s`,
      `binding limit: ${binding.name}, ${+((binding.ratePerSec * 60) / scale).toFixed(3)}/min × scale ${scale} = ${binding.ratePerSec.toFixed(2)}/s, burst ${binding.capacity}`,
      `achieved write rate: ${achieved.toFixed(2)}/s; allowed over the run (burst + rate × elapsed): ${(allowedInRun / elapsedSec).toFixed(2)}/s`,
      `share of the allowed rate used: ${pct(shareUsed)} (goal ≥ 95%) ${shareUsed >= 0.95 ? 'OK' : 'MISSED'}`,
      `steady state (second half of the run): ${steadyRate.toFixed(2)}/s = ${pct(steadyRate / sustained)} of the sustained ${sustained.toFixed(2)}/s`,
      `requests: ${total}, answered 429: ${tooMany} = ${pct(share429)} (goal ≤ 0.5%) ${share429 <= 0.005 ? 'OK' : 'MISSED'}; retried after 429: ${retried}`,
    ];
    console.log(lines.join('\n'));
    if (shareUsed < 0.95 || share429 > 0.005) process.exitCode = 1;
  } finally {
    await emulator.close();
    await db.close();
    await drop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench/governor: ${(err as Error).message ?? err} (PostgreSQL at ${redacted(serverUrl)})`);
  process.exitCode = 1;
});
