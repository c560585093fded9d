/**
 * The provisioning benchmark on the real Temporal server (go.temporal.io/server on PostgreSQL, started by
 * cluster/) beside the Temporal CLI's dev server (SQLite in memory), in one run: N directory users bound to
 * a connector through the real path — outbox, dispatcher, Temporal, worker process(es) with a pre-built
 * bundle, the emulator with its limits off — for each path (per-object: a workflow per user, the
 * dispatcher's bulk threshold at 0; bulk: bulk-sync/<connectorId>), each run on a fresh stack.
 *
 *   npx tsx bench/cluster.ts [--users 1000] [--modes per-object,bulk] [--workers 1] [--per-service] [--rounds 1]
 *
 * Prints per run: seconds, users/s, CPU milliseconds per user by process (worker, Temporal server,
 * PostgreSQL, this process: API + dispatcher + emulator), the Temporal server's resident memory; then per
 * path the real server's users/s over the dev server's. Needs `npm run setup:cluster` (the real server and
 * its PostgreSQL role) and the Temporal CLI. Rounds alternate which server goes first (the machine is shared).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Cluster, startCluster } from '../cluster/server';
import { loadConfig } from '../core/config';
import { writeWorkflowBundle } from '../scripts/bundle';
import { seedUsers } from '../test/support/seed';
import { cpuSeconds, postgresCpuSeconds, temporalPid } from './cpu';
import { startStack } from './stack';

const { values: args } = parseArgs({
  options: { users: { type: 'string', default: '1000' }, modes: { type: 'string', default: 'per-object,bulk' }, workers: { type: 'string', default: '1' }, 'per-service': { type: 'boolean' }, rounds: { type: 'string', default: '1' } },
});
const USERS = Number(args.users);
const MODES = args.modes.split(',') as Array<'per-object' | 'bulk'>;
const WORKERS = Number(args.workers);
const ROUNDS = Number(args.rounds);
const config = loadConfig();

type Server = 'dev' | 'real';
type Cpu = { worker: number; temporal: number; postgres: number; bench: number };
type Result = { server: Server; mode: string; seconds: number; perSecond: number; cpuMsPerUser: Cpu & { total: number }; serverRssMiB: number; startSeconds: number };

const bundle = await writeWorkflowBundle(join(mkdtempSync(join(tmpdir(), 'bindery-bench-')), 'workflows.js'));

function rssMiB(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
  } catch {
    return NaN;
  }
}

async function run(server: Server, mode: 'per-object' | 'bulk'): Promise<Result> {
  const t0 = performance.now();
  let cluster: Cluster | undefined;
  if (server === 'real') {
    cluster = await startCluster({ databaseUrl: config.temporalClusterDatabaseUrl, freshDatabases: true, processes: args['per-service'] ? 'per-service' : 'one', serverPath: config.temporalServerPath });
  }
  const stack = await startStack({ enabled: false, scale: 1 }, { workflowBundle: bundle, workers: WORKERS, perObject: mode === 'per-object', temporal: cluster && { address: cluster.address, namespace: cluster.namespace } });
  const startSeconds = (performance.now() - t0) / 1000;
  const serverPids = cluster ? cluster.pids() : [temporalPid(stack.temporalAddress)].filter((p): p is number => p !== undefined);
  const connector = await stack.call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: stack.emulator.baseUrl, scimToken: stack.token });
  const { groupId } = await seedUsers(stack.db, { prefix: 'cl', count: USERS });
  const cpu = (): Cpu => {
    const own = process.cpuUsage();
    return {
      worker: stack.workerPids().reduce((s, pid) => s + cpuSeconds(pid), 0),
      temporal: serverPids.length ? serverPids.reduce((s, pid) => s + cpuSeconds(pid), 0) : NaN,
      postgres: postgresCpuSeconds(),
      bench: (own.user + own.system) / 1e6,
    };
  };
  const before = cpu();
  await stack.call('PUT', `/v1/connectors/${connector.id}/groups/${groupId}`, {}); // queues every member
  const label = `${server} server, ${mode}`;
  const settled = async () => (await stack.linksIn(connector.id, 'active')) + (await stack.linksIn(connector.id, 'failed')) + (await stack.linksIn(connector.id, 'stuck'));
  const seconds = await stack.until(label, async () => `${await stack.linksIn(connector.id, 'active')}/${USERS}`, async () => (await settled()) === USERS);
  const after = cpu();
  const serverRssMiB = serverPids.reduce((s, pid) => s + rssMiB(pid), 0);
  const notActive = USERS - (await stack.linksIn(connector.id, 'active'));
  if (notActive > 0) console.log(`  ${label}: ${notActive} user(s) failed or stuck`);
  await stack.stop();
  await cluster?.teardown();
  const perUser = (k: keyof Cpu) => (1000 * (after[k] - before[k])) / USERS;
  const cpuMsPerUser = { worker: perUser('worker'), temporal: perUser('temporal'), postgres: perUser('postgres'), bench: perUser('bench'), total: 0 };
  cpuMsPerUser.total = cpuMsPerUser.worker + cpuMsPerUser.temporal + cpuMsPerUser.postgres + cpuMsPerUser.bench;
  return { server, mode, seconds, perSecond: USERS / seconds, cpuMsPerUser, serverRssMiB, startSeconds };
}

const describe = (r: Result) => {
  const c = r.cpuMsPerUser;
  return (
    `${r.server === 'real' ? `real server (PostgreSQL, ${args['per-service'] ? '4 processes' : '1 process'})` : 'dev server (SQLite in memory)'}, ${r.mode}: ` +
    `${r.seconds.toFixed(1)} s, ${r.perSecond.toFixed(1)} users/s; CPU ms/user: worker ${c.worker.toFixed(1)}, Temporal ${c.temporal.toFixed(1)}, ` +
    `PostgreSQL ${c.postgres.toFixed(1)}, API+dispatcher+emulator ${c.bench.toFixed(1)}, total ${c.total.toFixed(1)}; Temporal RSS ${r.serverRssMiB} MiB; stack up in ${r.startSeconds.toFixed(1)} s`
  );
};

console.log(`bench/cluster: ${USERS} users, ${WORKERS} worker(s), ${ROUNDS} round(s), on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
const results: Result[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order: Server[] = round % 2 === 0 ? ['dev', 'real'] : ['real', 'dev'];
  for (const mode of MODES) {
    for (const server of order) {
      const r = await run(server, mode);
      results.push(r);
      console.log(describe(r));
    }
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
for (const mode of MODES) {
  const of = (server: Server) => median(results.filter((r) => r.server === server && r.mode === mode).map((r) => r.perSecond));
  const [dev, real] = [of('dev'), of('real')];
  console.log(`${mode}: real server ${real.toFixed(1)} users/s, dev server ${dev.toFixed(1)} users/s${ROUNDS > 1 ? ' (medians)' : ''}: real/dev = ${(real / dev).toFixed(2)}`);
}
process.exit(0);
