import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGroupLink, saveGroupLink } from '../../db/group-links';
import { connectorGroups, groupLinks, syncIntents, userLinks } from '../../db/schema';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { type Harness, startHarness } from '../support/harness';

// Removing the integration (R1, R2), group management (G6), the per-connector groups view and cascade
// progress (O3). `h` is the whole system (worker and dispatcher: directory changes reach the emulator);
// `q` has no worker and no dispatcher, so the outbox can be read row by row.
let h: Harness;
let q: Harness;
const WAIT = { timeout: 30_000, interval: 100 };
const tag = `lc${Date.now().toString(36)}`;
let n = 0;

beforeAll(async () => {
  [h, q] = await Promise.all([startHarness(), startHarness({ database: 'pglite', worker: false, dispatcher: false })]);
});
afterAll(async () => {
  await Promise.all([h?.stop(), q?.stop()]);
});

async function newConnector(on: Harness, opts: { idm?: boolean } = {}): Promise<string> {
  const scim = opts.idm === false ? {} : { scimBaseUrl: on.emulator.baseUrl, scimToken: on.slackToken };
  return (await on.ok('POST', '/v1/connectors', { label: `${tag} ${++n}`, teamName: 'acme', teamDomain: `${tag}-${n}.slack.com`, ...scim })).id as string;
}

/** A group with `count` new members (usernames `<prefix>.<i>`), optionally bound to a connector. */
async function newGroup(on: Harness, count: number, bindTo?: string): Promise<{ groupId: string; members: string[]; usernames: string[] }> {
  const groupId = (await on.ok('POST', '/v1/groups', { name: `${tag} group ${++n}` })).id as string;
  const members: string[] = [];
  const usernames: string[] = [];
  for (let i = 0; i < count; i++) {
    const username = `${tag}.${n}.${i}`;
    members.push((await on.ok('POST', '/v1/users', { username, email: `${username}@example.com` })).id as string);
    usernames.push(username);
    await on.ok('PUT', `/v1/groups/${groupId}/members/${members[i]}`);
  }
  if (bindTo) await on.ok('PUT', `/v1/connectors/${bindTo}/groups/${groupId}`);
  return { groupId, members, usernames };
}

async function countRunning(query: string): Promise<number> {
  let count = 0;
  for await (const _ of h.client.workflow.list({ query })) count++;
  return count;
}

const slackUser = async (userName: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0];

/** Removes and returns `q`'s queued intents for a connector as sorted "kind object" lines. */
async function takeIntents(connectorId: string): Promise<string[]> {
  const rows = await q.db.delete(syncIntents).where(eq(syncIntents.connectorId, connectorId)).returning();
  return rows.filter((r) => r.kind !== 'schedule').map((r) => `${r.kind} ${r.objectId}`).sort();
}

const groupsView = async (on: Harness, connectorId: string) => (await on.ok('GET', `/v1/connectors/${connectorId}/groups`)).items as Array<Record<string, any>>;

describe('deleting the application (R2)', () => {
  it('asks for the number of applications being deleted: missing or wrong → 400 explaining it, nothing deleted', async () => {
    const c = await newConnector(h);
    const missing = await h.call('DELETE', `/v1/connectors/${c}`);
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ title: 'Confirmation required' });
    expect(missing.body.detail).toMatch(/give the number of applications you are deleting: \?confirm=1\.$/);
    expect(missing.body.detail).toMatch(/Slack users stay active/);
    const wrong = await h.call('DELETE', `/v1/connectors/${c}?confirm=2`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toMatch(/^confirm=2 does not match the number of applications being deleted \(1\); nothing was deleted/);
    expect((await h.call('DELETE', `/v1/connectors/${c}?confirm=yes`)).status).toBe(400);
    expect((await h.call('GET', `/v1/connectors/${c}`)).status).toBe(200);
    expect((await h.call('DELETE', '/v1/connectors/con_nope?confirm=1')).status).toBe(404);
  });

  it('forgets the connector, ends its running workflows, leaves its Slack users active and keeps the events', async () => {
    const c = await newConnector(h);
    const { groupId, members, usernames } = await newGroup(h, 3, c);
    for (const u of usernames) await expect.poll(() => slackUser(u), WAIT).toMatchObject({ active: true });
    // The workflows (three user-syncs, the group's group-sync) stay open for a while after their pass;
    // wait until visibility lists them all.
    const query = `${SEARCH_ATTRIBUTES.connectorId.name} = '${c}' AND ExecutionStatus = 'Running'`;
    await expect.poll(async () => await countRunning(query), WAIT).toBe(4);
    const workflowId = `user-sync/${c}/${members[0]}`;
    expect((await h.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    // State that must go with it: a group link, and an intent no dispatcher has claimed yet.
    await saveGroupLink(h.db, { connectorId: c, groupId, remoteGroupId: 'S123', state: 'synced', memberCount: 3 });
    await h.db.insert(syncIntents).values({ kind: 'user', connectorId: c, objectId: members[1]!, availableAt: new Date(Date.now() + 3_600_000) });
    await h.ok('POST', `/v1/connectors/${c}/sso/activate`);
    // SSO on: each member's bind window (sso-bind/<connector>/<user>) waits for a first launch.
    await expect.poll(async () => await countRunning(query), WAIT).toBe(7);

    const res = await h.call('DELETE', `/v1/connectors/${c}?confirm=1`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: true, connectorId: c, workflowsEnded: 7, note: expect.stringMatching(/^Slack users stay active/) });

    expect((await h.call('GET', `/v1/connectors/${c}`)).status).toBe(404);
    expect((await h.call('GET', `/v1/connectors/${c}/groups`)).status).toBe(404);
    expect((await h.ok('GET', '/v1/connectors')).items.map((x: { id: string }) => x.id)).not.toContain(c);
    expect(await h.db.select().from(userLinks).where(eq(userLinks.connectorId, c))).toEqual([]);
    expect(await h.db.select().from(connectorGroups).where(eq(connectorGroups.connectorId, c))).toEqual([]);
    expect(await h.db.select().from(groupLinks).where(eq(groupLinks.connectorId, c))).toEqual([]);
    expect(await h.db.select().from(syncIntents).where(eq(syncIntents.connectorId, c))).toEqual([]);
    expect((await h.client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
    expect((await h.client.workflow.getHandle(`group-sync/${c}/${groupId}`).describe()).status.name).toBe('TERMINATED');
    await expect.poll(async () => await countRunning(query), WAIT).toBe(0);

    // Slack is not touched: the users stay active, as the seed documents.
    for (const u of usernames) expect(await slackUser(u)).toMatchObject({ active: true });
    // The directory keeps its group and users; the events outlive the connector.
    expect((await h.ok('GET', `/v1/groups/${groupId}`)).memberIds).toEqual([...members].sort());
    const deleted = (await h.ok('GET', `/v1/events?connectorId=${c}&type=idm_integration_delete`)).items;
    expect(deleted).toEqual([expect.objectContaining({ objectType: 'connector', objectId: c, outcome: 'success', message: expect.stringMatching(/Nothing was sent to Slack/) })]);
    expect((await h.ok('GET', `/v1/events?connectorId=${c}&type=user_create_provision`)).items).toHaveLength(3);

    expect((await h.call('DELETE', `/v1/connectors/${c}?confirm=1`)).status).toBe(404);
  });

  it('records no idm_integration_delete for a connector whose identity management was never active', async () => {
    const c = await newConnector(h, { idm: false });
    await newGroup(h, 1, c);
    const res = await h.call('DELETE', `/v1/connectors/${c}?confirm=1`);
    expect(res.body).toMatchObject({ deleted: true, workflowsEnded: 0 });
    expect((await h.ok('GET', `/v1/events?connectorId=${c}`)).items).toEqual([]);
  });
});

describe('SSO on and off (R1)', () => {
  it('records ssoActive without touching identity management; idempotent; 404 for an unknown connector', async () => {
    const c = await newConnector(h);
    expect((await h.ok('GET', `/v1/connectors/${c}`)).ssoActive).toBe(false);
    expect(await h.ok('POST', `/v1/connectors/${c}/sso/activate`)).toMatchObject({ id: c, ssoActive: true, idmStatus: 'active' });
    expect(await h.ok('POST', `/v1/connectors/${c}/sso/activate`)).toMatchObject({ ssoActive: true });
    expect((await h.ok('GET', `/v1/connectors/${c}`)).ssoActive).toBe(true);
    const off = await h.ok('POST', `/v1/connectors/${c}/sso/deactivate`);
    expect(off).toMatchObject({ ssoActive: false, idmStatus: 'active', hasScimToken: true });
    expect(off).not.toHaveProperty('scimTokenEncrypted');
    expect((await h.call('POST', '/v1/connectors/con_nope/sso/deactivate')).status).toBe(404);
  });
});

describe('group management (G6) and the groups view', () => {
  it('shows a freshly bound group as pending, and queues its sync', async () => {
    const c = await newConnector(q);
    const { groupId, members } = await newGroup(q, 2, c);
    const [item] = await groupsView(q, c);
    expect(item).toMatchObject({ groupId, state: 'bound', groupLink: { state: 'pending', remoteGroupId: null, memberCount: 0, lastErrorCode: null, lastError: null, updatedAt: null } });
    expect(await takeIntents(c)).toEqual([`group ${groupId}`, ...members.map((m) => `user ${m}`)].sort());
  });

  it('off: the group links are disabled (Slack IDs and counts kept) and nothing is queued; on: every actively bound group is queued', async () => {
    const c = await newConnector(q);
    const synced = (await newGroup(q, 1, c)).groupId;
    const failed = (await newGroup(q, 1, c)).groupId;
    const fresh = (await newGroup(q, 1, c)).groupId;
    const removed = (await newGroup(q, 1, c)).groupId;
    await saveGroupLink(q.db, { connectorId: c, groupId: synced, remoteGroupId: 'S1', state: 'synced', memberCount: 1 });
    await saveGroupLink(q.db, { connectorId: c, groupId: failed, state: 'failed', lastErrorCode: 'invalid_name', lastError: 'Slack refused the name' });
    await saveGroupLink(q.db, { connectorId: c, groupId: removed, remoteGroupId: 'S4', state: 'synced', memberCount: 1 });
    // Unbinding stops the group's syncing: its link is disabled at once.
    await q.ok('DELETE', `/v1/connectors/${c}/groups/${removed}`);
    expect(await getGroupLink(q.db, c, removed)).toMatchObject({ state: 'disabled', remoteGroupId: 'S4', memberCount: 1 });
    let view = Object.fromEntries((await groupsView(q, c)).map((i) => [i.groupId, i.groupLink]));
    expect(view).toMatchObject({
      [synced]: { state: 'synced', remoteGroupId: 'S1', memberCount: 1 },
      [failed]: { state: 'failed', lastErrorCode: 'invalid_name', lastError: 'Slack refused the name' },
      [fresh]: { state: 'pending' },
      [removed]: { state: 'disabled', remoteGroupId: 'S4' },
    });
    await takeIntents(c);

    await q.ok('PATCH', `/v1/connectors/${c}/idm`, { groupManagement: false });
    expect(await takeIntents(c)).toEqual([]);
    const rows = await q.db.select().from(groupLinks).where(eq(groupLinks.connectorId, c));
    expect(rows.map((r) => `${r.groupId} ${r.state} ${r.remoteGroupId} ${r.memberCount}`).sort()).toEqual([`${synced} disabled S1 1`, `${failed} disabled null 0`, `${removed} disabled S4 1`].sort());
    expect((await groupsView(q, c)).map((i) => i.groupLink.state)).toEqual(['disabled', 'disabled', 'disabled', 'disabled']);
    // Users are still managed (G6): a member's change is queued for this connector.
    const [member] = (await q.ok('GET', `/v1/groups/${synced}`)).memberIds as string[];
    await q.ok('PATCH', `/v1/users/${member}`, { jobTitle: 'Still managed' });
    expect(await takeIntents(c)).toEqual([`user ${member}`]);

    await q.ok('PATCH', `/v1/connectors/${c}/idm`, { groupManagement: true });
    expect(await takeIntents(c)).toEqual([`group ${failed}`, `group ${fresh}`, `group ${synced}`].sort());
    view = Object.fromEntries((await groupsView(q, c)).map((i) => [i.groupId, i.groupLink]));
    // Managed again: queued, so pending until the group-sync records its outcome; the unbound one stays disabled.
    expect(view).toMatchObject({ [synced]: { state: 'pending', remoteGroupId: 'S1' }, [failed]: { state: 'pending' }, [fresh]: { state: 'pending' }, [removed]: { state: 'disabled' } });
    await saveGroupLink(q.db, { connectorId: c, groupId: synced, state: 'synced' });
    expect(await getGroupLink(q.db, c, synced)).toMatchObject({ state: 'synced', remoteGroupId: 'S1', memberCount: 1, lastError: null });
  });
});

describe('cascade progress (O3)', () => {
  it('counts a bound group of 5 once its members are provisioned: all active, nothing queued', async () => {
    const c = await newConnector(h);
    const { groupId } = await newGroup(h, 5, c);
    const url = `/v1/connectors/${c}/groups/${groupId}/progress`;
    // Each provisioned member asks for a group re-sync (a group intent), so the outbox empties last.
    await expect.poll(async () => ((p) => `${p.usersActive} active, ${p.pendingIntents} queued, group ${p.groupState}`)(await h.ok('GET', url)), WAIT).toBe('5 active, 0 queued, group synced');
    const p = await h.ok('GET', url);
    expect(p).toMatchObject({ connectorId: c, groupId, binding: 'bound', groupDeleted: false, members: 5, pendingIntents: 0, usersActive: 5, usersDeactivated: 0, usersFailed: 0, usersStuck: 0, usersPending: 0, usersNotLinked: 0 });

    // Unbinding cascades: the members are deactivated in Slack, and the group is no longer managed.
    await h.ok('DELETE', `/v1/connectors/${c}/groups/${groupId}`);
    await expect.poll(async () => ((p) => `${p.usersDeactivated} deactivated, ${p.pendingIntents} queued`)(await h.ok('GET', url)), WAIT).toBe('5 deactivated, 0 queued');
    expect(await h.ok('GET', url)).toMatchObject({ binding: 'unbound', members: 5, usersActive: 0, pendingIntents: 0, groupState: 'disabled' });
  });

  it('counts what is still queued, by member and for the group', async () => {
    const c = await newConnector(q);
    const { groupId, members } = await newGroup(q, 5, c);
    const url = `/v1/connectors/${c}/groups/${groupId}/progress`;
    expect(await q.ok('GET', url)).toMatchObject({ members: 5, pendingIntents: 6, usersActive: 0, usersNotLinked: 5, groupState: 'pending' });
    await q.db.insert(userLinks).values([
      { connectorId: c, userId: members[0]!, remoteId: 'U0', state: 'active' },
      { connectorId: c, userId: members[1]!, state: 'failed', lastErrorCode: 'invalid_email' },
      { connectorId: c, userId: members[2]!, state: 'creating' },
      { connectorId: c, userId: members[3]!, remoteId: 'U3', state: 'stuck' },
    ]);
    await q.db.delete(syncIntents).where(and(eq(syncIntents.connectorId, c), eq(syncIntents.kind, 'group')));
    expect(await q.ok('GET', url)).toMatchObject({ members: 5, pendingIntents: 5, usersActive: 1, usersFailed: 1, usersPending: 1, usersStuck: 1, usersNotLinked: 1 });
    await takeIntents(c);

    // A deleted group's cascade can still be followed.
    await q.ok('DELETE', `/v1/groups/${groupId}`);
    expect(await q.ok('GET', url)).toMatchObject({ groupDeleted: true, binding: 'bound', members: 5, pendingIntents: 6 });
  });

  it('404 for an unknown connector or group, or a group never bound to the connector', async () => {
    const c = await newConnector(q);
    const { groupId } = await newGroup(q, 1);
    const never = await q.call('GET', `/v1/connectors/${c}/groups/${groupId}/progress`);
    expect(never.status).toBe(404);
    expect(never.body.detail).toMatch(/has never been bound to connector .*Bind it first: PUT \/v1\/connectors\//);
    expect((await q.call('GET', `/v1/connectors/${c}/groups/grp_nope/progress`)).status).toBe(404);
    expect((await q.call('GET', `/v1/connectors/con_nope/groups/${groupId}/progress`)).status).toBe(404);
  });
});
