/**
 * Provisioning benchmark: N directory users (default 1,000; --large for 10,000) bound to a connector,
 * through the real path — outbox, dispatcher, Temporal dev server, a worker process, the emulator.
 *
 *   npx tsx bench/provision.ts [--users N] [--large] [--scale S] [--skip-limited] [--skip-off]
 *
 * Prints: users/s with the emulator's limits off; with Slack's limits on (scaled by S for both the
 * emulator and the governor, to keep the run short) the share of the allowed POST /Users rate used and
 * the share of requests answered 429; the worker's peak RSS. Needs PostgreSQL (DATABASE_URL or the
 * test database that `npm run setup` creates) and the Temporal CLI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { buildApi } from '../client/api';
import { startDispatcher } from '../client/dispatcher';
import { ENDPOINT_RATE_LIMITS } from '../core/slack';
import { openDatabase } from '../db/client';
import { userLinks } from '../db/schema';
import { generateKey, parseKey } from '../db/secrets';
import { startEmulator } from '../emulator/server';
import { seedUsers } from '../test/support/seed';
import { startDevServer } from '../worker/dev-server';

const { values: args } = parseArgs({
  options: { users: { type: 'string' }, large: { type: 'boolean' }, scale: { type: 'string', default: '10' }, 'skip-limited': { type: 'boolean' }, 'skip-off': { type: 'boolean' } },
});
const USERS = Number(args.users ?? (args.large ? 10_000 : 1_000));
const SCALE = Number(args.scale);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://bindery:bindery@127.0.0.1:5432/bindery_test';
const BENCH_DB = 'bindery_bench';

async function freshDatabase(): Promise<string> {
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${BENCH_DB} with (force)`);
  await admin.unsafe(`create database ${BENCH_DB}`);
  await admin.end();
  const url = new URL(BASE_URL);
  url.pathname = `/${BENCH_DB}`;
  return url.toString();
}

/** Peak resident set of a process (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

async function run(label: string, limits: { enabled: boolean; scale: number }) {
  const dbUrl = await freshDatabase();
  const database = await openDatabase({ url: dbUrl });
  const temporal = await startDevServer({});
  const secretKeyText = generateKey();
  const token = 'xoxp-bench';
  const emulator = await startEmulator({ port: 0, token, rateLimits: limits });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const taskQueue = 'bench';
  const dispatcher = startDispatcher({ db: database.db, temporal: client, taskQueue, pollMs: 100 });
  const api = buildApi({ db: database.db, secretKey: parseKey(secretKeyText), apiKey: 'bench', temporal: client, taskQueue, notify: dispatcher.notify });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(apiUrl + path, { method, headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as { id: string });
  };

  const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      BINDERY_SECRET_KEY: secretKeyText,
      BINDERY_GOVERNOR: limits.enabled ? 'on' : 'off',
      BINDERY_GOVERNOR_SCALE: String(limits.scale),
      BINDERY_LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => worker.stdout!.on('data', (d: Buffer) => d.toString().includes('worker polling') && resolve()));

  const connector = (await call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: emulator.baseUrl, scimToken: token }))!;
  const { groupId } = await seedUsers(database.db, { prefix: 'bench', count: USERS });
  const active = async () =>
    (await database.db.select({ n: sql<number>`count(*)::int` }).from(userLinks).where(and(eq(userLinks.connectorId, connector.id), eq(userLinks.state, 'active'))))[0]!.n;

  const started = performance.now();
  await call('PUT', `/v1/connectors/${connector.id}/groups/${groupId}`, {});
  let done = 0;
  let lastReport = started;
  while ((done = await active()) < USERS) {
    await new Promise((r) => setTimeout(r, 200));
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(`  ${label}: ${done}/${USERS} after ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const stats = (await (await fetch(`${emulator.origin}/_emulator/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    totals: { total: number; byStatus: Record<string, number> };
    endpoints: Record<string, { total: number; byStatus: Record<string, number>; firstAt?: number; lastAt?: number }>;
  };
  const rss = peakRssMiB(worker.pid!);
  worker.kill('SIGTERM');
  await once(worker, 'exit');
  await dispatcher.stop();
  await api.close();
  await connection.close();
  await emulator.close();
  await temporal.teardown();
  await database.close();

  const postStats = stats.endpoints['POST /Users'];
  const posts = postStats?.byStatus['201'] ?? 0;
  const rule = ENDPOINT_RATE_LIMITS['POST Users'];
  // What Slack would have allowed between the first and the last create: its burst plus its rate.
  const window = ((postStats?.lastAt ?? 0) - (postStats?.firstAt ?? 0)) / 1000;
  const allowed = rule.burst * limits.scale + (rule.perMinute / 60) * limits.scale * window;
  return { seconds, perSecond: USERS / seconds, requests: stats.totals.total, r429: stats.totals.byStatus['429'] ?? 0, posts, allowed, rss };
}

console.log(`bench/provision: ${USERS} users on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
const off = args["skip-off"] ? undefined : await run('limits off', { enabled: false, scale: 1 });
if (off) console.log(`limits off:  ${off.seconds.toFixed(1)} s, ${off.perSecond.toFixed(1)} users/s, ${off.requests} SCIM requests, worker peak RSS ${off.rss} MiB`);
if (!args['skip-limited']) {
  const on = await run(`limits ×${SCALE}`, { enabled: true, scale: SCALE });
  const rate = ENDPOINT_RATE_LIMITS['POST Users'].perMinute * SCALE;
  console.log(
    `limits on ×${SCALE} (POST /Users ${rate}/min, burst ${ENDPOINT_RATE_LIMITS['POST Users'].burst * SCALE}): ${on.seconds.toFixed(1)} s, ${on.perSecond.toFixed(1)} users/s, ` +
      `share of the allowed POST /Users rate used (first to last create) ${((100 * on.posts) / on.allowed).toFixed(1)}%, 429s ${on.r429}/${on.requests} (${((100 * on.r429) / on.requests).toFixed(2)}%), worker peak RSS ${on.rss} MiB`,
  );
}
process.exit(0);
