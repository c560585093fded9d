import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkSyncWorkflowId } from '../../core/sync-kinds';
import { connectorGroups, insightsEvents, userLinks } from '../../db/schema';
import { seedUsers } from '../support/seed';
import { type Harness, startHarness } from '../support/harness';

// The bulk path (issue 13): many users of one connector at once — activation, a big binding, a cascade —
// go to bulk-sync/<connectorId>, a batch per activity, with the same planner and executor as a single sync.
let h: Harness;
const WAIT = { timeout: 90_000, interval: 200 };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

async function connector(label: string): Promise<string> {
  return (await h.ok('POST', '/v1/connectors', { label, teamName: label.toLowerCase(), teamDomain: `${label.toLowerCase()}.slack.com`, scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
}
const linkStates = async (connectorId: string) => {
  const rows = await h.db.select({ state: userLinks.state, remoteId: userLinks.remoteId }).from(userLinks).where(eq(userLinks.connectorId, connectorId));
  return rows;
};
const countIn = async (connectorId: string, state: string) => (await linkStates(connectorId)).filter((r) => r.state === state).length;
/** The emulator's accounts whose userName starts with the prefix, by userName. */
async function accounts(prefix: string): Promise<Map<string, any[]>> {
  const all = (await h.slack('GET', '/Users?count=1000')).body.Resources as any[];
  const by = new Map<string, any[]>();
  for (const a of all.filter((u) => u.userName.startsWith(prefix))) by.set(a.userName, [...(by.get(a.userName) ?? []), a]);
  return by;
}
const createEvents = async (connectorId: string) =>
  h.db.select({ objectId: insightsEvents.objectId, workflowId: insightsEvents.workflowId }).from(insightsEvents).where(and(eq(insightsEvents.connectorId, connectorId), eq(insightsEvents.type, 'user_create_provision'), eq(insightsEvents.outcome, 'success')));

async function workflowIds(connectorId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of h.client.workflow.list({ query: `BinderyConnectorId = '${connectorId}'` })) ids.push(w.workflowId);
  return ids;
}

describe('bulk sync', () => {
  it('provisions a big binding through one bulk workflow, not a workflow per user, with one creation event each', async () => {
    const c = await connector('Bulk');
    const { groupId, userIds } = await seedUsers(h.db, { prefix: 'bulk.a', count: 120 });
    await h.ok('PUT', `/v1/connectors/${c}/groups/${groupId}`, {});
    await expect.poll(() => countIn(c, 'active'), WAIT).toBe(120);

    const byName = await accounts('bulk.a');
    expect(byName.size).toBe(120);
    expect([...byName.values()].every((a) => a.length === 1)).toBe(true);
    const events = await createEvents(c);
    expect(events).toHaveLength(120);
    expect(new Set(events.map((e) => e.objectId))).toEqual(new Set(userIds));
    expect(new Set(events.map((e) => e.workflowId))).toEqual(new Set([bulkSyncWorkflowId(c)]));
    await expect.poll(async () => (await workflowIds(c)).filter((id) => id.startsWith('user-sync/')), WAIT).toEqual([]);
    expect(await workflowIds(c)).toContain(bulkSyncWorkflowId(c));
  });

  it('adopts accounts that already exist in Slack (by userName or email) instead of creating them again', async () => {
    const c = await connector('Adopt');
    const { groupId } = await seedUsers(h.db, { prefix: 'bulk.b', count: 40 });
    for (let i = 0; i < 10; i++) {
      const by = i % 2 === 0 ? { userName: `bulk.b${i}`, emails: [{ value: `other${i}@example.com`, primary: true }] } : { userName: `someone.else.b${i}`, emails: [{ value: `bulk.b${i}@example.com`, primary: true }] };
      const res = await h.slack('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...by });
      expect(res.status).toBe(201);
    }
    await h.ok('PUT', `/v1/connectors/${c}/groups/${groupId}`, {});
    await expect.poll(() => countIn(c, 'active'), WAIT).toBe(40);
    // 30 created, 5 adopted by userName, 5 by email (their userName then set to the directory's).
    const byName = await accounts('bulk.b');
    expect(byName.size).toBe(40);
    expect([...byName.values()].every((a) => a.length === 1)).toBe(true);
    expect((await accounts('someone.else.b')).size).toBe(0);
    expect(await createEvents(c)).toHaveLength(30);
  });

  it('never duplicates a user when a bulk batch and single syncs race for the same users', async () => {
    const c = await connector('Race');
    const { groupId, userIds } = await seedUsers(h.db, { prefix: 'bulk.c', count: 60 });
    await h.ok('PUT', `/v1/connectors/${c}/groups/${groupId}`, {});
    await Promise.all(userIds.map((userId) => h.startUserSync({ connectorId: c, userId })));
    await expect.poll(() => countIn(c, 'active'), WAIT).toBe(60);
    const byName = await accounts('bulk.c');
    expect(byName.size).toBe(60);
    expect([...byName.values()].every((a) => a.length === 1)).toBe(true);
    const links = await linkStates(c);
    expect(new Set(links.map((l) => l.remoteId))).toEqual(new Set([...byName.values()].map((a) => a[0].id)));
    expect(await createEvents(c)).toHaveLength(60);
  });

  it('tries again the users a batch could not reach, until every one is provisioned', async () => {
    const c = await connector('Flaky');
    const { groupId } = await seedUsers(h.db, { prefix: 'bulk.d', count: 50 });
    await h.slackControl('POST', '/faults', { errorRate: 0.3, status: 503, latencyMs: 0, methods: ['POST'] });
    try {
      await h.ok('PUT', `/v1/connectors/${c}/groups/${groupId}`, {});
      await expect.poll(() => countIn(c, 'active'), WAIT).toBe(50);
    } finally {
      await h.slackControl('POST', '/faults', { errorRate: 0, status: 500, latencyMs: 0 });
    }
    expect([...(await accounts('bulk.d')).values()].every((a) => a.length === 1)).toBe(true);
    // The failures were met (each recorded as a failure event saying it is retried), not avoided.
    const failures = await h.db.select().from(insightsEvents).where(and(eq(insightsEvents.connectorId, c), eq(insightsEvents.outcome, 'failure')));
    expect(failures.length).toBeGreaterThan(0);
    expect(await createEvents(c)).toHaveLength(50);
  });

  it('quarantines the users of a batch the target keeps failing, after the attempts run out', async () => {
    const c = await connector('Down');
    const { groupId, userIds } = await seedUsers(h.db, { prefix: 'bulk.e', count: 5 });
    // Authorized without queuing anything (the binding written directly), so that only this workflow works on them.
    await h.db.insert(connectorGroups).values({ connectorId: c, groupId });
    await h.slackControl('POST', '/faults', { errorRate: 1, status: 503, latencyMs: 0, methods: ['GET', 'POST'] });
    try {
      const handle = await h.client.workflow.start('bulkUserSync', {
        workflowId: `bulk-test/${c}`,
        taskQueue: h.taskQueue,
        args: [{ connectorId: c, pending: userIds, retry: { maximumAttempts: 2, initialInterval: '100ms' } }],
      });
      await expect.poll(() => countIn(c, 'stuck'), WAIT).toBe(5);
      await handle.terminate('test done');
    } finally {
      await h.slackControl('POST', '/faults', { errorRate: 0, status: 500, latencyMs: 0 });
    }
  });

  it('deactivates a cascade in bulk: the members no other group authorizes, and only them', async () => {
    const c = await connector('Cascade');
    await h.ok('PATCH', `/v1/connectors/${c}/idm`, { breakerEnabled: false }); // 50 of 80 at once: past the breaker's threshold
    const { groupId: big, userIds } = await seedUsers(h.db, { prefix: 'bulk.f', count: 80 });
    const other = (await h.ok('POST', '/v1/groups', { name: 'Bulk other' })).id as string;
    for (const id of userIds.slice(0, 30)) await h.ok('PUT', `/v1/groups/${other}/members/${id}`);
    await h.ok('PUT', `/v1/connectors/${c}/groups/${other}`, {});
    await h.ok('PUT', `/v1/connectors/${c}/groups/${big}`, {});
    await expect.poll(() => countIn(c, 'active'), WAIT).toBe(80);
    await h.ok('DELETE', `/v1/connectors/${c}/groups/${big}`);
    await expect.poll(() => countIn(c, 'deactivated'), WAIT).toBe(50);
    expect(await countIn(c, 'active')).toBe(30);
    const active = [...(await accounts('bulk.f')).values()].flat().filter((a) => a.active !== false);
    expect(active).toHaveLength(30);
  });
});
