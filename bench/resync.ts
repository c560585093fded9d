/**
 * Resync benchmark (S2): N users (default 100,000) already in step in the emulator, linked and authorized,
 * then full reconciliations through the real path — schedule trigger, resync workflow, a worker process
 * loading a pre-built workflow bundle, PostgreSQL, the emulator over HTTP.
 *
 *   npx tsx bench/resync.ts [--users N] [--drift 0.01] [--limited]
 *
 * Prints: the first resync's (it creates the Slack group), then the no-op resync's time and the worker's peak RSS, and that it sent no write; with 1% drift, the
 * number of writes against the number of drifted objects; with --limited (Slack's real read limits, scale
 * 1, governor on) the read time against the physical minimum the read rate sets.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { newId } from '../core/ids';
import { ORG_RATE_LIMITS, SCHEMAS } from '../targets/slack/facts';
import { connectorGroups, directoryUsers, groupMembers, userGroups, userLinks } from '../db/schema';
import { writeWorkflowBundle } from '../scripts/bundle';
import { startStack } from './stack';

const { values: args } = parseArgs({ options: { users: { type: 'string' }, drift: { type: 'string', default: '0.01' }, limited: { type: 'boolean' } } });
const USERS = Number(args.users ?? 100_000);
const DRIFT = Number(args.drift);

const bundle = await writeWorkflowBundle(join(mkdtempSync(join(tmpdir(), 'bindery-bench-')), 'workflows.js'));
const limits = args.limited ? { enabled: true, scale: 1 } : { enabled: false, scale: 1 };
const stack = await startStack(limits, { workflowBundle: bundle });
console.log(`bench/resync: ${USERS} users on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${args.limited ? ", Slack's real limits" : ', limits off'}`);

// In step from the start: the emulator's bulk users, and directory users that match them, linked.
await stack.controlPost('/rate-limits', { enabled: false });
const ids: string[] = [];
for (let left = USERS; left > 0; left -= 50_000) ids.push(...(await stack.controlPost<{ ids: string[] }>('/users/bulk', { count: Math.min(left, 50_000) })).ids);
if (limits.enabled) await stack.controlPost('/rate-limits', { enabled: true, scale: 1 });
const connector = await stack.call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: stack.emulator.baseUrl, scimToken: stack.token });
await stack.call('PATCH', `/v1/connectors/${connector.id}/idm`, { breakerEnabled: false });
const groupId = newId('group');
await stack.db.insert(userGroups).values({ id: groupId, name: 'Everyone' });
const users = ids.map((remoteId, i) => ({ id: newId('user'), username: `bulk${i + 1}`, email: `bulk${i + 1}@bulk.example.com`, remoteId }));
for (let i = 0; i < users.length; i += 5_000) {
  const chunk = users.slice(i, i + 5_000);
  await stack.db.insert(directoryUsers).values(chunk.map((u) => ({ id: u.id, username: u.username, email: u.email })));
  await stack.db.insert(groupMembers).values(chunk.map((u) => ({ groupId, userId: u.id })));
  await stack.db.insert(userLinks).values(chunk.map((u) => ({ connectorId: connector.id, userId: u.id, remoteId: u.remoteId, state: 'active' as const })));
}
await stack.db.insert(connectorGroups).values({ connectorId: connector.id, groupId });
// Statistics, as autovacuum keeps them on a database in use: planned right after a bulk load, the queries would run blind.
await stack.db.execute(sql`analyze`);
await stack.waitFor(async () => (await fetch(`${stack.apiUrl}/v1/connectors/${connector.id}/resync`, { headers: { authorization: 'Bearer bench' } })).status === 200);

type Run = { id: string; mode: string; status: string; startedAt: string; finishedAt: string; counts: { read: { users: number }; planned: Record<string, number>; applied: Record<string, number> } };
async function resyncOnce(label: string): Promise<{ seconds: number; run: Run; writes: number }> {
  const before = await stack.stats();
  const writesBefore = Object.entries(before.endpoints).filter(([k]) => !k.startsWith('GET')).reduce((n, [, v]) => n + v.total, 0);
  const runsBefore = (await stack.call<{ items: Run[] }>('GET', `/v1/connectors/${connector.id}/runs`)).items.length;
  await stack.call('POST', `/v1/connectors/${connector.id}/resync/run`);
  await stack.until(label, async () => 'running', async () => (await stack.call<{ items: Run[] }>('GET', `/v1/connectors/${connector.id}/runs`)).items.filter((r) => r.status !== 'running').length > runsBefore);
  const run = (await stack.call<{ items: Run[] }>('GET', `/v1/connectors/${connector.id}/runs`)).items[0]!;
  const after = await stack.stats();
  const writes = Object.entries(after.endpoints).filter(([k]) => !k.startsWith('GET')).reduce((n, [, v]) => n + v.total, 0) - writesBefore;
  return { seconds: (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000, run, writes };
}

// The first run creates the Slack group (one POST, its members in batches of 5,000); the next is the no-op.
const first = await resyncOnce('first resync');
console.log(`first resync of ${first.run.counts.read.users} users (creates the Slack group): ${first.seconds.toFixed(1)} s, ${first.writes} writes, planned ${JSON.stringify(first.run.counts.planned)}`);
const noop = await resyncOnce('no-op resync');
const rss = stack.workerRssMiB();
console.log(`no-op resync of ${noop.run.counts.read.users} users: ${noop.seconds.toFixed(1)} s, ${noop.writes} writes, planned ${JSON.stringify(noop.run.counts.planned)}, worker peak RSS ${rss.peak} MiB (${rss.now} MiB now)`);

// 1% drift: titles edited in Slack behind Bindery's back.
const drifted = Math.round(USERS * DRIFT);
if (limits.enabled) await stack.controlPost('/rate-limits', { enabled: false });
for (let i = 0; i < drifted; i++) {
  const id = ids[Math.floor((i * ids.length) / drifted)]!;
  await fetch(`${stack.emulator.baseUrl}/Users/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'drifted' }] }),
  });
}
if (limits.enabled) await stack.controlPost('/rate-limits', { enabled: true, scale: 1 });
const drift = await resyncOnce('resync with drift');
console.log(`resync with ${drifted} drifted users (${+(DRIFT * 100).toPrecision(2)} %): ${drift.seconds.toFixed(1)} s, ${drift.writes} writes for ${drifted} drifted objects, applied ${JSON.stringify(drift.run.counts.applied)}`);

if (limits.enabled) {
  const pages = Math.ceil(USERS / 1000) + 1; // users, then groups
  const minimum = Math.max(0, (pages - ORG_RATE_LIMITS.read.burst) / (ORG_RATE_LIMITS.read.perMinute / 60));
  console.log(`at Slack's real read limits: ${pages} list requests; the read rate allows them in ${minimum.toFixed(1)} s (burst ${ORG_RATE_LIMITS.read.burst}, ${ORG_RATE_LIMITS.read.perMinute}/min); the no-op resync took ${noop.seconds.toFixed(1)} s in all`);
}
await stack.stop();
process.exit(0);
