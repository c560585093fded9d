/**
 * Cascade benchmark (unbind a 5,000-member group, half of them also in another bound group): provisions
 * the users, then unbinds the group and measures the time until Slack has converged — the members no other
 * group authorizes deactivated, the others untouched — and until the first deactivation, with the
 * emulator's limits off, and the SCIM requests the cascade sent against the minimum needed. Side by side in
 * one run: the per-object path (a workflow per member: the dispatcher's bulk threshold 0) and the bulk path.
 *
 *   npx tsx bench/unbind.ts [--users N] [--modes per-object,bulk]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { groupMembers } from '../db/schema';
import { writeWorkflowBundle } from '../scripts/bundle';
import { seedUsers } from '../test/support/seed';
import { startStack, type EmulatorStats } from './stack';

const { values: args } = parseArgs({ options: { users: { type: 'string', default: '5000' }, modes: { type: 'string', default: 'per-object,bulk' } } });
const USERS = Number(args.users);
const HALF = Math.floor(USERS / 2);

console.log(`bench/unbind: ${USERS}-member group, ${HALF} also in another bound group; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
const bundle = await writeWorkflowBundle(join(mkdtempSync(join(tmpdir(), 'bindery-bench-')), 'workflows.js'));
for (const mode of args.modes.split(',')) {
  const stack = await startStack({ enabled: false, scale: 1 }, { workflowBundle: bundle, perObject: mode === 'per-object' });
  const connector = await stack.call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: stack.emulator.baseUrl, scimToken: stack.token });
  const { groupId: big, userIds } = await seedUsers(stack.db, { prefix: 'unbind', count: USERS });
  const other = (await stack.call('POST', '/v1/groups', { name: 'Other bound group' })).id;
  for (let i = 0; i < HALF; i += 1000) {
    await stack.db.insert(groupMembers).values(userIds.slice(i, Math.min(i + 1000, HALF)).map((userId) => ({ groupId: other, userId })));
  }
  await stack.call('PATCH', `/v1/connectors/${connector.id}/idm`, { breakerEnabled: false }); // the breaker would hold most of the cascade
  await stack.call('PUT', `/v1/connectors/${connector.id}/groups/${other}`, {});
  await stack.call('PUT', `/v1/connectors/${connector.id}/groups/${big}`, {});
  const setup = await stack.until('provisioning', async () => `${await stack.linksIn(connector.id, 'active')}/${USERS}`, async () => (await stack.linksIn(connector.id, 'active')) === USERS && (await stack.pending()) === 0);
  console.log(`${mode}: setup: ${USERS} users provisioned in ${setup.toFixed(1)} s`);

  const count = (s: EmulatorStats, key: string) => s.endpoints[key]?.total ?? 0;
  const before = await stack.stats();
  const unboundAt = Date.now();
  await stack.call('DELETE', `/v1/connectors/${connector.id}/groups/${big}`);
  const seconds = await stack.until(
    'cascade',
    async () => `${await stack.linksIn(connector.id, 'deactivated')}/${USERS - HALF} deactivated, ${await stack.pending()} intents pending`,
    async () => (await stack.linksIn(connector.id, 'deactivated')) === USERS - HALF && (await stack.pending()) === 0,
  );
  // Let the last user-sync passes of still-authorized members finish before counting their requests.
  await stack.until('settling', async () => 'waiting for in-flight passes', async () => {
    const a = (await stack.stats()).totals.total;
    await new Promise((r) => setTimeout(r, 2000));
    return (await stack.stats()).totals.total === a;
  });
  const after = await stack.stats();
  const { workerPeakRssMiB } = await stack.stop();

  const keys = new Set([...Object.keys(before.endpoints), ...Object.keys(after.endpoints)]);
  const sent = [...keys].map((k) => [k, count(after, k) - count(before, k)] as const).filter(([, n]) => n > 0);
  const total = sent.reduce((a, [, n]) => a + n, 0);
  const writes = sent.filter(([k]) => !k.startsWith('GET')).reduce((a, [, n]) => a + n, 0);
  const firstDelete = Object.entries(after.endpoints).find(([k]) => k.startsWith('DELETE /Users'))?.[1].firstAt;
  console.log(`${mode}: cascade converged in ${seconds.toFixed(1)} s: ${USERS - HALF} deactivated, ${HALF} kept (limits off); first deactivation ${firstDelete ? ((firstDelete - unboundAt) / 1000).toFixed(1) : '?'} s after the unbind`);
  console.log(`${mode}: SCIM requests: ${total} sent (${sent.map(([k, n]) => `${k} ${n}`).join(', ')}); minimum needed ${USERS - HALF} (one DELETE per deactivated member; the Slack group is left as it is); writes sent ${writes}`);
  console.log(`${mode}: worker peak RSS ${workerPeakRssMiB} MiB`);
}
process.exit(0);
