import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { insightsEvents, userLinks } from '../../db/schema';
import { type Harness, startHarness } from '../support/harness';
import { spawnWorkerProcess } from '../support/worker-process';
import { seedUsers } from '../support/seed';

// Exactly once under crashes (issue: kill the worker with SIGKILL repeatedly while 500+ users are being
// provisioned): every user ends up in Slack exactly once, with the right attributes, and one success event.
const USERS = 520;
const KILLS = 5;

let h: Harness;
let connectorId: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  h = await startHarness({ worker: false });
  connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Crash', teamName: 'crash', teamDomain: 'crash.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h?.stop();
});

const spawnWorker = () => spawnWorkerProcess(h, children);

const activeLinks = async () =>
  (await h.db.select({ n: sql<number>`count(*)::int` }).from(userLinks).where(and(eq(userLinks.connectorId, connectorId), eq(userLinks.state, 'active'))))[0]!.n;

it(`provisions ${USERS} users exactly once while the worker is SIGKILLed ${KILLS} times`, { timeout: 300_000 }, async () => {
  const { groupId, userIds } = await seedUsers(h.db, { prefix: 'crash', count: USERS });
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {}); // queues every member

  const progressAtKills: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const worker = await spawnWorker();
    const before = await activeLinks();
    // Kill in the middle of the work: once some progress has been made since this worker started.
    await expect.poll(activeLinks, { timeout: 60_000, interval: 50 }).toBeGreaterThan(Math.min(before + 20, USERS - 1));
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    progressAtKills.push(await activeLinks());
  }
  expect(progressAtKills.at(-1)).toBeLessThan(USERS); // the kills did land mid-provisioning

  const last = await spawnWorker();
  await expect.poll(activeLinks, { timeout: 180_000, interval: 250 }).toBe(USERS);
  last.kill('SIGTERM');
  await once(last, 'exit');

  // Slack: every user exactly once, with the mapped attributes.
  const slackUsers: any[] = [];
  for (let start = 1; ; start += 1000) {
    const page = (await h.slack('GET', `/Users?startIndex=${start}&count=1000`)).body;
    slackUsers.push(...page.Resources);
    if (slackUsers.length >= page.totalResults) break;
  }
  const ours = slackUsers.filter((u) => u.userName.startsWith('crash'));
  expect(ours).toHaveLength(USERS);
  expect(new Set(ours.map((u) => u.userName)).size).toBe(USERS);
  for (const u of ours) {
    expect(u.active).toBe(true);
    expect(u.name.familyName).toBe(`Family ${u.userName.slice('crash'.length)}`);
  }

  // Events: one success per user, and it says "created".
  const successes = await h.db
    .select({ objectId: insightsEvents.objectId, type: insightsEvents.type })
    .from(insightsEvents)
    .where(and(eq(insightsEvents.connectorId, connectorId), eq(insightsEvents.outcome, 'success')));
  const perUser = new Map<string, string[]>();
  for (const e of successes) perUser.set(e.objectId, [...(perUser.get(e.objectId) ?? []), e.type]);
  for (const id of userIds) expect(perUser.get(id), id).toEqual(['user_create_provision']);
  console.log(`crash test: ${USERS} users, kills after ${progressAtKills.join(', ')} provisioned`);
});
