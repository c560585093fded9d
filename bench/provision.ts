/**
 * Provisioning benchmark: N directory users (default 1,000; --large for 10,000) bound to a connector,
 * through the real path — outbox, dispatcher, Temporal dev server, a worker process, the emulator.
 *
 *   npx tsx bench/provision.ts [--users N] [--large] [--scale S] [--skip-limited] [--skip-off]
 *
 * Prints: users/s with the emulator's limits off; with Slack's limits on (scaled by S, default 10, for
 * both the emulator and the governor, to keep the run short) the share of the allowed POST /Users rate
 * used and the share of requests answered 429; the worker's peak RSS. Needs PostgreSQL (DATABASE_URL or
 * the test server that `npm run setup` prepares) and the Temporal CLI.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { ENDPOINT_RATE_LIMITS } from '../targets/slack/facts';
import { seedUsers } from '../test/support/seed';
import { startStack } from './stack';

const { values: args } = parseArgs({
  options: { users: { type: 'string' }, large: { type: 'boolean' }, scale: { type: 'string', default: '10' }, 'skip-limited': { type: 'boolean' }, 'skip-off': { type: 'boolean' } },
});
const USERS = Number(args.users ?? (args.large ? 10_000 : 1_000));
const SCALE = Number(args.scale);

async function run(label: string, limits: { enabled: boolean; scale: number }) {
  const stack = await startStack(limits);
  const connector = await stack.call('POST', '/v1/connectors', { label: 'Bench', teamName: 'bench', teamDomain: 'bench.slack.com', scimBaseUrl: stack.emulator.baseUrl, scimToken: stack.token });
  const { groupId } = await seedUsers(stack.db, { prefix: 'bench', count: USERS });
  await stack.call('PUT', `/v1/connectors/${connector.id}/groups/${groupId}`, {}); // queues every member
  // Settled: every user active, or refused for good (failed/stuck are reported, not waited for forever).
  const settled = async () => (await stack.linksIn(connector.id, 'active')) + (await stack.linksIn(connector.id, 'failed')) + (await stack.linksIn(connector.id, 'stuck'));
  const seconds = await stack.until(label, async () => `${await stack.linksIn(connector.id, 'active')}/${USERS}`, async () => (await settled()) === USERS);
  const failed = USERS - (await stack.linksIn(connector.id, 'active'));
  if (failed > 0) console.log(`  ${label}: ${failed} user(s) not provisioned (failed or stuck): see their insights events`);
  const stats = await stack.stats();
  const { workerPeakRssMiB } = await stack.stop();

  const postStats = stats.endpoints['POST /Users'];
  const rule = ENDPOINT_RATE_LIMITS['POST Users'];
  // What Slack would have allowed between the first and the last create: its burst plus its rate.
  const window = ((postStats?.lastAt ?? 0) - (postStats?.firstAt ?? 0)) / 1000;
  const allowed = rule.burst * limits.scale + (rule.perMinute / 60) * limits.scale * window;
  const posts = postStats?.byStatus['201'] ?? 0;
  return { seconds, perSecond: USERS / seconds, requests: stats.totals.total, r429: stats.totals.byStatus['429'] ?? 0, posts, allowed, rss: workerPeakRssMiB };
}

console.log(`bench/provision: ${USERS} users on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
if (!args['skip-off']) {
  const off = await run('limits off', { enabled: false, scale: 1 });
  console.log(`limits off:  ${off.seconds.toFixed(1)} s, ${off.perSecond.toFixed(1)} users/s, ${off.requests} SCIM requests, worker peak RSS ${off.rss} MiB`);
}
if (!args['skip-limited']) {
  const on = await run(`limits ×${SCALE}`, { enabled: true, scale: SCALE });
  const rule = ENDPOINT_RATE_LIMITS['POST Users'];
  console.log(
    `limits on ×${SCALE} (POST /Users ${rule.perMinute * SCALE}/min, burst ${rule.burst * SCALE}): ${on.seconds.toFixed(1)} s, ${on.perSecond.toFixed(1)} users/s, ` +
      `share of the allowed POST /Users rate used (first to last create) ${((100 * on.posts) / on.allowed).toFixed(1)}%, ` +
      `429s ${on.r429}/${on.requests} (${((100 * on.r429) / on.requests).toFixed(2)}%), worker peak RSS ${on.rss} MiB`,
  );
}
process.exit(0);
