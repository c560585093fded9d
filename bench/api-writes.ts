/**
 * Admin API writes while the worker provisions (issue 8 §5): does a directory change wait behind sync
 * traffic? Runs `npm start`'s entry point (app/start.ts: Temporal dev server, worker, dispatcher, API and
 * emulator in one process) as a user does, on the embedded database (PGlite) and on PostgreSQL, and for
 * each times the same writes — create a user, add them to a group, W concurrent clients — twice: with the
 * group unbound (nothing to sync: the API alone) and with it bound (every write starts a sync to Slack).
 *
 *   npx tsx bench/api-writes.ts [--users 400] [--clients 4] [--dbs pglite,postgres]
 *
 * Prints per run: writes/s, p50/p95/max latency of a write, and for the bound runs how long Slack took to
 * hold everyone; then the slow-down under sync per database. Needs `npm run setup` (the Temporal CLI and,
 * for the PostgreSQL runs, the test PostgreSQL server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';

import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../tools/ports';
import { cpuSeconds } from './cpu';
import { freshDatabase } from './stack';

const { values: args } = parseArgs({ options: { users: { type: 'string', default: '400' }, clients: { type: 'string', default: '4' }, dbs: { type: 'string', default: 'pglite,postgres' } } });
const USERS = Number(args.users);
const CLIENTS = Number(args.clients);
const DBS = args.dbs.split(',') as Array<'pglite' | 'postgres'>;
const API_KEY = 'bench-api-key';
const TOKEN = 'xoxp-bench';



type App = { child: ChildProcess; apiUrl: string; scimUrl: string; stop(): Promise<void> };

/** app/start.ts on its own ports and data folder; resolves once its banner says it runs. */
async function startApp(db: 'pglite' | 'postgres'): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bindery-bench-api-'));
  const [api, temporal, ui, emulator, codec, metrics, smtp, mailHttp] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BINDERY_DATA_DIR: dataDir,
    BINDERY_API_KEY: API_KEY,
    EMULATOR_TOKEN: TOKEN,
    BINDERY_API_PORT: String(api),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    TEMPORAL_UI_PORT: String(ui),
    EMULATOR_PORT: String(emulator),
    BINDERY_CODEC_PORT: String(codec),
    BINDERY_METRICS_PORT: String(metrics),
    MAIL_CATCHER_SMTP_PORT: String(smtp),
    MAIL_CATCHER_HTTP_PORT: String(mailHttp),
    EMULATOR_RATE_LIMITS: 'off',
    BINDERY_GOVERNOR: 'off',
  };
  delete env.DATABASE_URL;
  if (db === 'postgres') env.DATABASE_URL = await freshDatabase('bindery_bench_api');
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/start.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`app/start.ts exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('Bindery is running') && resolve());
  });
  return {
    child,
    apiUrl: `http://127.0.0.1:${api}`,
    scimUrl: `http://127.0.0.1:${emulator}/scim/v2`,
    async stop() {
      child.kill('SIGINT');
      await once(child, 'exit');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function client(apiUrl: string) {
  return async <T = { id: string }>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(apiUrl + path, { method, headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

type Result = { db: string; bound: boolean; writes: number; seconds: number; perSecond: number; p50: number; p95: number; max: number; cpuMsPerWrite: number; slackSeconds?: number };

async function run(db: 'pglite' | 'postgres', bound: boolean): Promise<Result> {
  const app = await startApp(db);
  try {
    const call = client(app.apiUrl);
    const connector = await call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: app.scimUrl, scimToken: TOKEN });
    const group = await call('POST', '/v1/groups', { name: 'Everyone' });
    if (bound) await call('PUT', `/v1/connectors/${connector.id}/groups/${group.id}`, {});
    const latencies: number[] = [];
    const timed = async <T>(f: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const r = await f();
      latencies.push(performance.now() - t);
      return r;
    };
    const cpuBefore = cpuSeconds(app.child.pid!);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < USERS; i = next++) {
          const user = await timed(() => call('POST', '/v1/users', { username: `w${i}`, email: `w${i}@bench.example`, firstName: 'W', lastName: String(i) }));
          await timed(() => call('PUT', `/v1/groups/${group.id}/members/${user.id}`));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuMsPerWrite = (1000 * (cpuSeconds(app.child.pid!) - cpuBefore)) / latencies.length;
    let slackSeconds: number | undefined;
    if (bound) {
      // Slack holds everyone when the emulator lists USERS accounts (the API's link view would add reads of its own).
      const scim = async () => ((await (await fetch(`${app.scimUrl}/Users?count=1`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { totalResults: number }).totalResults;
      while ((await scim()) < USERS) await new Promise((r) => setTimeout(r, 200));
      slackSeconds = (performance.now() - started) / 1000;
    }
    latencies.sort((a, b) => a - b);
    return { db, bound, writes: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1)!, cpuMsPerWrite, slackSeconds };
  } finally {
    await app.stop();
  }
}

console.log(`bench/api-writes: ${USERS} users × 2 writes, ${CLIENTS} concurrent clients, on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
const results: Result[] = [];
for (const db of DBS) {
  for (const bound of [false, true]) {
    const r = await run(db, bound);
    results.push(r);
    console.log(
      `${db}, group ${bound ? 'bound (every write syncs)' : 'unbound (no sync)'}: ${r.writes} writes in ${r.seconds.toFixed(1)} s, ${r.perSecond.toFixed(1)} writes/s; latency p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, max ${r.max.toFixed(0)} ms; app CPU ${r.cpuMsPerWrite.toFixed(1)} ms/write` +
        (r.slackSeconds === undefined ? '' : `; all ${USERS} in Slack after ${r.slackSeconds.toFixed(1)} s`),
    );
  }
}
for (const db of DBS) {
  const [idle, busy] = [results.find((r) => r.db === db && !r.bound)!, results.find((r) => r.db === db && r.bound)!];
  console.log(`${db}: writes/s under sync ${(busy.perSecond / idle.perSecond).toFixed(2)}× of idle; p95 ${busy.p95.toFixed(0)} ms vs ${idle.p95.toFixed(0)} ms`);
}
