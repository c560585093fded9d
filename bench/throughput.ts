/**
 * Throughput, side by side in one run (issue 13): initial provisioning of N users through the per-object
 * path (a workflow, a sandbox activation and two lookups per user: the dispatcher's bulk threshold set to 0)
 * and through the bulk path (bulk-sync/<connectorId>, a batch per activity), each on a fresh stack — outbox,
 * dispatcher, Temporal dev server, a worker process with a pre-built bundle, PostgreSQL, the emulator with
 * its limits off. Then, on the bulk stack, the latency of single changes (a user's title, API → Slack).
 *
 *   npx tsx bench/throughput.ts [--users 1000,10000] [--modes per-object,bulk] [--changes 40]
 *
 * Prints per run: seconds, users/s, SCIM requests per user, CPU milliseconds per user by process (worker,
 * Temporal server, PostgreSQL, this process: API + dispatcher + emulator), the worker's peak RSS; then the
 * bulk/per-object ratio, and p50/p95 of the single-change latency.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { userLinks } from '../db/schema';
import { writeWorkflowBundle } from '../scripts/bundle';
import { seedUsers } from '../test/support/seed';
import { cpuSeconds, postgresCpuSeconds, temporalPid } from './cpu';
import { startStack } from './stack';

const { values: args } = parseArgs({ options: { users: { type: 'string', default: '1000,10000' }, modes: { type: 'string', default: 'per-object,bulk' }, changes: { type: 'string', default: '40' } } });
const SIZES = args.users.split(',').map(Number);
const MODES = args.modes.split(',') as Array<'per-object' | 'bulk'>;
const CHANGES = Number(args.changes);

type Cpu = { worker: number; temporal: number; postgres: number; bench: number };
type Result = { mode: string; users: number; seconds: number; perSecond: number; requestsPerUser: number; cpuMsPerUser: Cpu & { total: number }; rss: number; latency?: { p50: number; p95: number } };

const bundle = await writeWorkflowBundle(join(mkdtempSync(join(tmpdir(), 'bindery-bench-')), 'workflows.js'));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function run(mode: 'per-object' | 'bulk', users: number): Promise<Result> {
  const stack = await startStack({ enabled: false, scale: 1 }, { workflowBundle: bundle, perObject: mode === 'per-object' });
  const connector = await stack.call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: stack.emulator.baseUrl, scimToken: stack.token });
  const { groupId, userIds } = await seedUsers(stack.db, { prefix: 'tp', count: users });
  const temporal = temporalPid(stack.temporalAddress);
  const cpu = (): Cpu => {
    const own = process.cpuUsage();
    return {
      worker: stack.workerPids().reduce((s, pid) => s + cpuSeconds(pid), 0),
      temporal: temporal ? cpuSeconds(temporal) : NaN,
      postgres: postgresCpuSeconds(),
      bench: (own.user + own.system) / 1e6,
    };
  };
  const before = cpu();
  const requestsBefore = (await stack.stats()).totals.total;
  await stack.call('PUT', `/v1/connectors/${connector.id}/groups/${groupId}`, {});
  const label = `${mode} ${users}`;
  const settled = async () => (await stack.linksIn(connector.id, 'active')) + (await stack.linksIn(connector.id, 'failed')) + (await stack.linksIn(connector.id, 'stuck'));
  const seconds = await stack.until(label, async () => `${await stack.linksIn(connector.id, 'active')}/${users}`, async () => (await settled()) === users);
  const after = cpu();
  const requests = (await stack.stats()).totals.total - requestsBefore;
  const notActive = users - (await stack.linksIn(connector.id, 'active'));
  if (notActive > 0) console.log(`  ${label}: ${notActive} user(s) failed or stuck`);
  const perUser = (k: keyof Cpu) => (1000 * (after[k] - before[k])) / users;
  const cpuMsPerUser = { worker: perUser('worker'), temporal: perUser('temporal'), postgres: perUser('postgres'), bench: perUser('bench'), total: 0 };
  cpuMsPerUser.total = cpuMsPerUser.worker + cpuMsPerUser.temporal + cpuMsPerUser.postgres + cpuMsPerUser.bench;

  // Single changes, one at a time once the bulk work is done: a user's title, from the API call to Slack.
  let latency: Result['latency'];
  if (CHANGES > 0) {
    await stack.waitFor(async () => (await stack.pending()) === 0);
    const samples: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const userId = userIds[(i * 7919) % userIds.length]!;
      const [link] = await stack.db.select({ remoteId: userLinks.remoteId }).from(userLinks).where(and(eq(userLinks.connectorId, connector.id), eq(userLinks.userId, userId)));
      const title = `Title ${i}`;
      const started = performance.now();
      await stack.call('PATCH', `/v1/users/${userId}`, { jobTitle: title });
      await stack.waitFor(async () => {
        const res = await fetch(`${stack.emulator.baseUrl}/Users/${link!.remoteId}`, { headers: { authorization: `Bearer ${stack.token}` } });
        return ((await res.json()) as { title?: string }).title === title;
      }, 30_000, 20);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    latency = { p50: percentile(samples, 50), p95: percentile(samples, 95) };
  }
  const { workerPeakRssMiB } = await stack.stop();
  return { mode, users, seconds, perSecond: users / seconds, requestsPerUser: requests / users, cpuMsPerUser, rss: workerPeakRssMiB, latency };
}

console.log(`bench/throughput: ${SIZES.join(', ')} users, ${MODES.join(' vs ')}; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; emulator limits off`);
const results: Result[] = [];
for (const users of SIZES) {
  for (const mode of MODES) {
    const r = await run(mode, users);
    results.push(r);
    const c = r.cpuMsPerUser;
    console.log(
      `${r.mode.padEnd(10)} ${String(r.users).padStart(6)} users: ${r.seconds.toFixed(1)} s, ${r.perSecond.toFixed(1)} users/s, ${r.requestsPerUser.toFixed(2)} SCIM requests/user, ` +
        `CPU ms/user ${c.total.toFixed(1)} (worker ${c.worker.toFixed(1)}, Temporal ${c.temporal.toFixed(1)}, PostgreSQL ${c.postgres.toFixed(1)}, API+dispatcher+emulator ${c.bench.toFixed(1)}), ` +
        `worker peak RSS ${r.rss} MiB` +
        (r.latency ? `; single change → Slack p50 ${r.latency.p50.toFixed(0)} ms, p95 ${r.latency.p95.toFixed(0)} ms (${CHANGES} changes)` : ''),
    );
  }
  const old = results.find((r) => r.users === users && r.mode === 'per-object');
  const neu = results.find((r) => r.users === users && r.mode === 'bulk');
  if (old && neu) console.log(`ratio at ${users} users: bulk ${(neu.perSecond / old.perSecond).toFixed(1)}× the per-object throughput, ${(old.cpuMsPerUser.total / neu.cpuMsPerUser.total).toFixed(1)}× less CPU per user`);
}
process.exit(0);
