import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveLink } from '../../db/links';
import { connectorGroups, userGroups } from '../../db/schema';
import { type Harness, startHarness } from '../support/harness';
import { takeIntents as takeOwnIntents } from '../support/outbox';

let h: Harness;
/** Every ID this file creates: the outbox is checked (and emptied) for these. */
const mine: string[] = [];
const tag = `g${Date.now().toString(36)}`;
let n = 0;

beforeAll(async () => {
  // The outbox is asserted row by row: a database of this file's own, and no dispatcher draining it.
  h = await startHarness({ database: 'pglite', dispatcher: false });
});
afterAll(() => h?.stop());
beforeEach(async () => {
  await takeIntents();
});

const takeIntents = () => takeOwnIntents(h.db, mine);
const user = (c: string, u: string) => `user ${c} ${u}`;
const group = (c: string, g: string) => `group ${c} ${g}`;
const sorted = (...lines: string[]) => lines.sort();

async function newUser(): Promise<string> {
  const name = `${tag}.${++n}`;
  const res = await h.call('POST', '/v1/users', { username: name, email: `${name}@example.com` });
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  return res.body.id;
}

async function newGroup(name = `${tag}-group-${++n}`, members: string[] = []): Promise<string> {
  const res = await h.call('POST', '/v1/groups', { name });
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  for (const m of members) expect((await h.call('PUT', `/v1/groups/${res.body.id}/members/${m}`)).status).toBe(200);
  return res.body.id;
}

async function newConnector(activeIdm: boolean): Promise<string> {
  const body = { label: `Groups ${tag}`, teamName: 'acme', teamDomain: 'acme.slack.com', ...(activeIdm ? { scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken } : {}) };
  const res = await h.call('POST', '/v1/connectors', body);
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  return res.body.id;
}

describe('admin API: groups', () => {
  it('creates a group, refuses a duplicate name ignoring case (409) and an empty one (400)', async () => {
    const res = await h.call('POST', '/v1/groups', { name: `  ${tag} Engineering  ` });
    expect(res.status).toBe(201);
    mine.push(res.body.id);
    expect(res.body).toMatchObject({ name: `${tag} Engineering`, memberIds: [], connectorIds: [] });
    const dup = await h.call('POST', '/v1/groups', { name: `${tag} ENGINEERING` });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain(`A group named "${tag} Engineering" already exists (${res.body.id})`);
    const empty = await h.call('POST', '/v1/groups', { name: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/^body: name: /);
    expect((await h.call('POST', '/v1/groups', {})).body.detail).toMatch(/^body: name: /);
  });

  it('lists and shows groups with members and bound connectors; unknown IDs are 404', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const g = await newGroup(undefined, [a, b]);
    const c = await newConnector(false);
    expect((await h.call('PUT', `/v1/connectors/${c}/groups/${g}`)).status).toBe(201);
    const shown = await h.call('GET', `/v1/groups/${g}`);
    expect(shown.body).toMatchObject({ id: g, memberIds: [a, b].sort(), connectorIds: [c] });
    expect(shown.body).not.toHaveProperty('deletedAt');
    const list = await h.call('GET', '/v1/groups?limit=500');
    expect(list.body.items).toContainEqual(expect.objectContaining({ id: g, memberCount: 2 }));
    expect((await h.call('GET', '/v1/groups/grp_nope')).status).toBe(404);
    expect((await h.call('GET', '/v1/groups?limit=x')).body.detail).toMatch(/^query: limit: /);
  });

  it('renames a group (409 on a taken name) and queues the group for each IdM-active connector it is bound to', async () => {
    const u = await newUser();
    const g = await newGroup(`${tag}-rename`, [u]);
    const other = await newGroup(`${tag}-taken`);
    const active = await newConnector(true);
    const inactive = await newConnector(false);
    await h.call('PUT', `/v1/connectors/${active}/groups/${g}`);
    await h.call('PUT', `/v1/connectors/${inactive}/groups/${g}`, { override: 'test' });
    await takeIntents();

    const res = await h.call('PATCH', `/v1/groups/${g}`, { name: `${tag}-Renamed` });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(`${tag}-Renamed`);
    expect(await takeIntents()).toEqual([group(active, g)]);

    const taken = await h.call('PATCH', `/v1/groups/${g}`, { name: `${tag}-TAKEN` });
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toContain(other);
    expect((await h.call('PATCH', `/v1/groups/${g}`, { name: `${tag}-renamed` })).status).toBe(200); // its own name, other case
    expect((await h.call('PATCH', `/v1/groups/${g}`, { name: 'x', title: 'x' })).body.detail).toBe('body: title: unknown field');
    expect((await h.call('PATCH', '/v1/groups/grp_nope', { name: 'x' })).status).toBe(404);
    await takeIntents();
    expect((await h.call('PATCH', `/v1/groups/${g}`, { name: `${tag}-renamed` })).status).toBe(200); // unchanged: nothing queued
    expect(await takeIntents()).toEqual([]);
  });

  it('adds and removes members idempotently (204), queueing the user where it matters', async () => {
    const c = await newConnector(true);
    const g = await newGroup();
    await h.call('PUT', `/v1/connectors/${c}/groups/${g}`);
    const u = await newUser();
    await takeIntents();

    expect((await h.call('PUT', `/v1/groups/${g}/members/${u}`)).status).toBe(200);
    expect(await takeIntents()).toEqual(sorted(user(c, u), group(c, g)));
    expect((await h.call('PUT', `/v1/groups/${g}/members/${u}`)).status).toBe(200);
    expect(await takeIntents()).toEqual([]); // already a member: nothing changed

    // Removed before Slack ever had them (no link): no connector is concerned any more.
    expect((await h.call('DELETE', `/v1/groups/${g}/members/${u}`)).status).toBe(204);
    expect(await takeIntents()).toEqual([group(c, g)]);
    expect((await h.call('GET', `/v1/groups/${g}`)).body.memberIds).toEqual([]);

    // Linked to Slack: losing the group still has the connector look at them (to deactivate them).
    await h.call('PUT', `/v1/groups/${g}/members/${u}`);
    await saveLink(h.db, { connectorId: c, userId: u, remoteId: `W${n}`, state: 'active' });
    await takeIntents();
    expect((await h.call('DELETE', `/v1/groups/${g}/members/${u}`)).status).toBe(204);
    expect(await takeIntents()).toEqual(sorted(user(c, u), group(c, g)));
    expect((await h.call('DELETE', `/v1/groups/${g}/members/${u}`)).status).toBe(204);
    expect(await takeIntents()).toEqual([]);

    expect((await h.call('PUT', `/v1/groups/${g}/members/usr_nope`)).status).toBe(404);
    expect((await h.call('PUT', `/v1/groups/grp_nope/members/${u}`)).status).toBe(404);
    const gone = await newUser();
    await h.call('DELETE', `/v1/users/${gone}`);
    const res = await h.call('PUT', `/v1/groups/${g}/members/${gone}`);
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe(`No directory user ${gone}`);
  });

  it('deletes a group softly (204, then 404), queueing every member for every IdM-active connector it was bound to', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const g = await newGroup(`${tag}-doomed`, [a, b]);
    const c1 = await newConnector(true);
    const c2 = await newConnector(true);
    const off = await newConnector(false);
    await h.call('PUT', `/v1/connectors/${c1}/groups/${g}`);
    await h.call('PUT', `/v1/connectors/${c2}/groups/${g}`, { override: 'test' });
    await h.call('PUT', `/v1/connectors/${off}/groups/${g}`, { override: 'test' });
    await takeIntents();

    expect((await h.call('DELETE', `/v1/groups/${g}`)).status).toBe(204);
    expect(await takeIntents()).toEqual(sorted(user(c1, a), user(c1, b), user(c2, a), user(c2, b), group(c1, g), group(c2, g)));
    expect((await h.call('GET', `/v1/groups/${g}`)).status).toBe(404);
    expect((await h.call('DELETE', `/v1/groups/${g}`)).status).toBe(404);
    const [row] = await h.db.select().from(userGroups).where(eq(userGroups.id, g));
    expect(row?.deletedAt).toBeInstanceOf(Date);
    expect((await h.call('GET', `/v1/users/${a}`)).body.groupIds).toEqual([]);
    expect((await h.call('GET', `/v1/connectors/${c1}/groups`)).body.items).toEqual([]);
    // The name is free again.
    await newGroup(`${tag}-DOOMED`);
  });
});

describe('admin API: binding groups to connectors', () => {
  it('binding queues every member for an IdM-active connector, and nothing for an inactive one', async () => {
    const members = [await newUser(), await newUser(), await newUser()];
    const g = await newGroup(undefined, members);
    const c = await newConnector(true);
    await takeIntents();

    const res = await h.call('PUT', `/v1/connectors/${c}/groups/${g}`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ connectorId: c, groupId: g, state: 'bound', unboundAt: null, overrideReason: null });
    expect(res.body).not.toHaveProperty('warning');
    expect(await takeIntents()).toEqual(sorted(...members.map((m) => user(c, m)), group(c, g)));

    const again = await h.call('PUT', `/v1/connectors/${c}/groups/${g}`);
    expect(again.status).toBe(200);
    expect(await takeIntents()).toEqual([]);

    const list = await h.call('GET', `/v1/connectors/${c}/groups`);
    expect(list.body.items).toEqual([expect.objectContaining({ groupId: g, state: 'bound' })]);

    const inactive = await newConnector(false);
    const g2 = await newGroup(undefined, [await newUser()]);
    await takeIntents();
    expect((await h.call('PUT', `/v1/connectors/${inactive}/groups/${g2}`)).status).toBe(201);
    expect(await takeIntents()).toEqual([]);
  });

  it('unbinding keeps the row, queues the members, and refuses binding again while group management is on (G4)', async () => {
    const members = [await newUser(), await newUser()];
    const g = await newGroup(`${tag}-g4`, members);
    const c = await newConnector(true);
    await h.call('PUT', `/v1/connectors/${c}/groups/${g}`);
    await takeIntents();

    expect((await h.call('DELETE', `/v1/connectors/${c}/groups/${g}`)).status).toBe(204);
    expect(await takeIntents()).toEqual(sorted(...members.map((m) => user(c, m))));
    const [row] = await h.db.select().from(connectorGroups).where(and(eq(connectorGroups.connectorId, c), eq(connectorGroups.groupId, g)));
    expect(row?.unboundAt).toBeInstanceOf(Date);
    expect((await h.call('GET', `/v1/connectors/${c}/groups`)).body.items).toEqual([expect.objectContaining({ groupId: g, state: 'unbound' })]);
    expect((await h.call('GET', `/v1/groups/${g}`)).body.connectorIds).toEqual([]);
    expect((await h.call('DELETE', `/v1/connectors/${c}/groups/${g}`)).status).toBe(204); // already unbound
    expect(await takeIntents()).toEqual([]);

    const refused = await h.call('PUT', `/v1/connectors/${c}/groups/${g}`);
    expect(refused.status).toBe(409);
    // It says what Bindery did (nothing to the Slack group) and what to do, in HTTP words.
    expect(refused.body.detail).toMatch(/Bindery left the group in the target as it was/);
    expect(refused.body.detail).toMatch(/SCIM has no way to enable a disabled group/);
    expect(refused.body.detail).toContain(`turn group management off for this connector (PATCH /v1/connectors/${c}/idm {"groupManagement": false})`);
    expect(refused.body.detail).not.toMatch(/bindery connector/);
    expect(await takeIntents()).toEqual([]);

    // With group management off, Slack's groups are not touched: binding again is allowed.
    expect((await h.call('PATCH', `/v1/connectors/${c}/idm`, { groupManagement: false })).status).toBe(200);
    const rebound = await h.call('PUT', `/v1/connectors/${c}/groups/${g}`);
    expect(rebound.status).toBe(200);
    expect(rebound.body).toMatchObject({ state: 'bound', unboundAt: null });
    expect(await takeIntents()).toEqual(sorted(...members.map((m) => user(c, m)), group(c, g)));
  });

  it('refuses binding a group already bound to another connector (G5), unless an override reason is given', async () => {
    const members = [await newUser(), await newUser()];
    const g = await newGroup(`${tag}-g5`, members);
    const first = await newConnector(true);
    const second = await newConnector(true);
    await h.call('PUT', `/v1/connectors/${first}/groups/${g}`);
    await takeIntents();

    const refused = await h.call('PUT', `/v1/connectors/${second}/groups/${g}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`already bound to connector ${first}`);
    expect(refused.body.detail).toMatch(/would deactivate its members/);
    expect(refused.body.boundTo).toEqual([first]);
    expect(await takeIntents()).toEqual([]);

    expect((await h.call('PUT', `/v1/connectors/${second}/groups/${g}`, { override: '' })).body.detail).toMatch(/^body: override: /);
    const reason = 'migration: both workspaces until March';
    const allowed = await h.call('PUT', `/v1/connectors/${second}/groups/${g}`, { override: reason });
    expect(allowed.status).toBe(201);
    expect(allowed.body).toMatchObject({ state: 'bound', overrideReason: reason });
    expect(allowed.body.warnings).toEqual([expect.objectContaining({ code: 'bound_twice', message: expect.stringMatching(/will deactivate its members/) })]);
    expect(await takeIntents()).toEqual(sorted(...members.map((m) => user(second, m)), group(second, g)));
    const [row] = await h.db.select().from(connectorGroups).where(and(eq(connectorGroups.connectorId, second), eq(connectorGroups.groupId, g)));
    expect(row?.overrideReason).toBe(reason);
    expect((await h.call('GET', `/v1/connectors/${second}/groups`)).body.items).toEqual([expect.objectContaining({ groupId: g, overrideReason: reason })]);
    expect((await h.call('GET', `/v1/groups/${g}`)).body.connectorIds).toEqual([first, second].sort());
  });

  it('answers 404 for unknown connectors, groups and bindings', async () => {
    const c = await newConnector(false);
    const g = await newGroup();
    expect((await h.call('PUT', `/v1/connectors/con_nope/groups/${g}`)).body.detail).toBe('No connector con_nope');
    expect((await h.call('PUT', `/v1/connectors/${c}/groups/grp_nope`)).body.detail).toBe('No group grp_nope');
    expect((await h.call('GET', '/v1/connectors/con_nope/groups')).status).toBe(404);
    const notBound = await h.call('DELETE', `/v1/connectors/${c}/groups/${g}`);
    expect(notBound.status).toBe(404);
    expect(notBound.body.detail).toBe(`Group ${g} is not bound to connector ${c}`);
  });
});
