/**
 * Import benchmark (M1–M2): N Slack users (default 10,000, each with a full profile) seeded into the
 * emulator through its controls, then imported into an empty directory with `allNew` through the real
 * path — the admin API (which reads the list to select the new users), the import workflow, a worker
 * process loading a pre-built workflow bundle, PostgreSQL, the emulator over HTTP.
 *
 *   npx tsx bench/import.ts [--users N] [--scales 1,0.005] [--skip-off] [--skip-limited]
 *
 * Prints: with the emulator's limits off, the time (selection in the API, then the workflow), users/s and
 * the worker's peak RSS; with Slack's limits on — for each scale S of --scales, the emulator's limits and
 * the governor both ×S (1 is Slack's real rate; a small S makes the read rate the bottleneck on purpose) —
 * the time against the physical minimum the read rate sets: one pass over the list at the largest page
 * (ceil(N / 1,000) requests), those beyond the read burst at the read rate; and the list requests made. Needs PostgreSQL (DATABASE_URL or the test server `npm run setup` prepares) and the Temporal CLI.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LIMITS, ORG_RATE_LIMITS } from '../targets/slack/facts';
import { writeWorkflowBundle } from '../scripts/bundle';
import { startStack } from './stack';

const { values: args } = parseArgs({ options: { users: { type: 'string' }, scales: { type: 'string', default: '1' }, 'skip-off': { type: 'boolean' }, 'skip-limited': { type: 'boolean' } } });
const USERS = Number(args.users ?? 10_000);
const SCALES = args.scales.split(',').map(Number);

type Import = { id: string; status: string; total: number; created: number; alreadyImported: number; refused: number; startedAt: string; finishedAt: string | null };

const bundle = await writeWorkflowBundle(join(mkdtempSync(join(tmpdir(), 'bindery-bench-')), 'workflows.js'));

async function run(label: string, limits: { enabled: boolean; scale: number }) {
  // The API's own reads go through a governor on the same settings as the worker's.
  process.env.BINDERY_GOVERNOR = limits.enabled ? 'on' : 'off';
  process.env.BINDERY_GOVERNOR_SCALE = String(limits.scale);
  const stack = await startStack(limits, { workflowBundle: bundle, databaseName: 'bindery_bench_import' });
  try {
    for (let left = USERS; left > 0; left -= 50_000) await stack.controlPost('/users/bulk', { count: Math.min(left, 50_000), detailed: true });
    const connector = await stack.call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: stack.emulator.baseUrl, scimToken: stack.token });
    // Full buckets and clean counts from here (the token check above took a read).
    await stack.controlPost('/rate-limits', limits);
    const before = await stack.stats();

    const started = performance.now();
    const answer = await stack.call<Import>('POST', `/v1/connectors/${connector.id}/imports`, { allNew: true });
    const selected = (performance.now() - started) / 1000;
    await stack.until(
      label,
      async () => {
        const i = await stack.call<Import>('GET', `/v1/imports/${answer.id}?limit=1`);
        return `${i.created + i.alreadyImported + i.refused}/${i.total}`;
      },
      async () => (await stack.call<Import>('GET', `/v1/imports/${answer.id}?limit=1`)).status !== 'running',
    );
    const seconds = (performance.now() - started) / 1000;
    const done = await stack.call<Import>('GET', `/v1/imports/${answer.id}?limit=1`);
    const after = await stack.stats();
    const count = (s: typeof after, key: string) => s.endpoints[key]?.total ?? 0;
    const listReads = count(after, 'GET /Users') - count(before, 'GET /Users');
    const idReads = count(after, 'GET /Users/:id') - count(before, 'GET /Users/:id');
    const writes = Object.entries(after.endpoints).filter(([k]) => !k.startsWith('GET')).reduce((n, [k, v]) => n + v.total - (before.endpoints[k]?.total ?? 0), 0);
    const r429 = (after.totals.byStatus['429'] ?? 0) - (before.totals.byStatus['429'] ?? 0);
    const rss = stack.workerRssMiB();
    return { seconds, selected, done, listReads, idReads, writes, r429, rss, apiRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
  } finally {
    await stack.stop();
  }
}

console.log(`bench/import: ${USERS} Slack users on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
if (!args['skip-off']) {
  const off = await run('limits off', { enabled: false, scale: 1 });
  console.log(
    `limits off: ${off.seconds.toFixed(1)} s in all (${off.selected.toFixed(1)} s selecting the new users in the API, ${(off.seconds - off.selected).toFixed(1)} s importing), ` +
      `${(USERS / off.seconds).toFixed(0)} users/s; ${off.done.status}: ${off.done.created} created, ${off.done.alreadyImported} already imported, ${off.done.refused} refused; ` +
      `${off.listReads} list requests of up to ${LIMITS.pageSizeMax} users, ${off.idReads} lookups by ID, ${off.writes} writes to Slack; ` +
      `worker peak RSS ${off.rss.peak} MiB (${off.rss.now} MiB at the end); bench process (API, emulator) peak RSS ${off.apiRssMiB} MiB`,
  );
}
if (!args['skip-limited']) {
  for (const scale of SCALES) {
    const on = await run(`limits ×${scale}`, { enabled: true, scale });
    const read = ORG_RATE_LIMITS.read;
    const burst = Math.max(1, read.burst * scale);
    const perSecond = (read.perMinute * scale) / 60;
    // The physical minimum: one pass over the list at its largest page, the requests beyond the burst at the read rate.
    const pages = Math.ceil(USERS / LIMITS.pageSizeMax);
    const minimum = Math.max(0, (pages - burst) / perSecond);
    console.log(
      `limits on ×${scale} (reads ${read.perMinute * scale}/min, burst ${burst}): ${on.seconds.toFixed(1)} s (${on.selected.toFixed(1)} s selecting); ` +
        `one pass over the list is ${pages} requests of ${LIMITS.pageSizeMax}, which the read rate allows in ${minimum.toFixed(1)} s at best${minimum > 0 ? ` (${((100 * minimum) / on.seconds).toFixed(1)} % of the time taken)` : ' (within the burst: Slack’s read rate does not bound this import)'}; ` +
        `made ${on.listReads} list requests (the API's selection and the workflow's pass), which need ${Math.max(0, (on.listReads - burst) / perSecond).toFixed(1)} s at least, and ${on.idReads} lookups by ID; ` +
        `${on.done.status}: ${on.done.created} created; 429s ${on.r429}; worker peak RSS ${on.rss.peak} MiB`,
    );
  }
}
process.exit(0);
