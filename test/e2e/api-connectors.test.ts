import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveLink } from '../../db/links';
import { connectors } from '../../db/schema';
import { type Harness, startHarness } from '../support/harness';
import { takeIntents as takeOwnIntents } from '../support/outbox';

let h: Harness;
/** Every ID this file creates: the outbox is checked (and emptied) for these. */
const mine: string[] = [];
const tag = `c${Date.now().toString(36)}`;
let n = 0;
/** Every answer the API gave in this file, to prove no token ever leaves it. */
const answers: string[] = [];
const WRONG_TOKEN = `xoxp-wrong-${tag}`;

beforeAll(async () => {
  // The outbox is asserted row by row: a database of this file's own, and no dispatcher draining it.
  h = await startHarness({ database: 'pglite', dispatcher: false });
});
afterAll(() => h?.stop());
beforeEach(async () => {
  await takeIntents();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await h.call(method, path, body);
  answers.push(JSON.stringify(res.body ?? null));
  return res;
}

const takeIntents = () => takeOwnIntents(h.db, mine);
const user = (c: string, u: string) => `user ${c} ${u}`;

async function newUser(): Promise<string> {
  const name = `${tag}.${++n}`;
  const res = await call('POST', '/v1/users', { username: name, email: `${name}@example.com` });
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  return res.body.id;
}

async function newConnector(body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await call('POST', '/v1/connectors', { label: `Slack ${tag} ${++n}`, teamName: 'acme', teamDomain: 'acme.slack.com', ...body });
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  return res.body;
}

/** A group with `count` new members, bound to the connector. */
async function boundGroup(connectorId: string, count: number): Promise<string[]> {
  const g = await call('POST', '/v1/groups', { name: `${tag}-group-${++n}` });
  mine.push(g.body.id);
  const members: string[] = [];
  for (let i = 0; i < count; i++) {
    const u = await newUser();
    await call('PUT', `/v1/groups/${g.body.id}/members/${u}`);
    members.push(u);
  }
  expect((await call('PUT', `/v1/connectors/${connectorId}/groups/${g.body.id}`)).status).toBe(201);
  return members;
}

async function events(connectorId: string, type: string): Promise<Array<Record<string, any>>> {
  const res = await call('GET', `/v1/events?connectorId=${connectorId}&type=${type}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

describe('admin API: connectors', () => {
  it('creates, lists and shows connectors; 404 for an unknown one; 400 naming a bad field', async () => {
    const c = await newConnector({ description: 'Main workspace', plan: 'enterprise_grid' });
    expect(c).toMatchObject({ idmStatus: 'inactive', hasScimToken: false, groupManagement: true, plan: 'enterprise_grid', showInUserPortal: true });
    expect(c.ssoIdpUrl).toMatch(/^https:\/\/.+\/saml2\//);
    expect(c).not.toHaveProperty('scimTokenEncrypted');
    expect((await call('GET', `/v1/connectors/${c.id}`)).body).toMatchObject({ id: c.id, description: 'Main workspace' });
    expect((await call('GET', '/v1/connectors')).body.items).toContainEqual(expect.objectContaining({ id: c.id }));
    const missing = await call('GET', '/v1/connectors/con_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('No connector con_nope');
    const bad = await call('POST', '/v1/connectors', { label: 'x', teamName: 'acme', teamDomain: 'acme.slack.com', plan: 'free' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^body: plan: /);
    const half = await call('POST', '/v1/connectors', { label: 'x', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: h.emulator.baseUrl });
    expect(half.body.detail).toBe('body: scimToken: scimBaseUrl and scimToken go together');
  });

  it('PATCH changes general settings and keeps the rest; the SSO IdP URL is not editable (400 with the remedy)', async () => {
    const c = await newConnector({ description: 'before', ssoIdpUrl: 'https://idp.example.com/saml2/slack' });
    const res = await call('PATCH', `/v1/connectors/${c.id}`, { label: 'Renamed', showInUserPortal: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ label: 'Renamed', showInUserPortal: false, description: 'before', teamName: 'acme', ssoIdpUrl: 'https://idp.example.com/saml2/slack' });

    const sso = await call('PATCH', `/v1/connectors/${c.id}`, { ssoIdpUrl: 'https://other.example.com/saml2/x' });
    expect(sso.status).toBe(400);
    expect(sso.body.detail).toMatch(/^body: ssoIdpUrl: the SSO IdP URL cannot be edited after the connector is created; to change it, delete the connector and create it again/);
    const token = await call('PATCH', `/v1/connectors/${c.id}`, { scimToken: 'x' });
    expect(token.body.detail).toMatch(/^body: scimToken: .*idm\/reauth/);
    const gm = await call('PATCH', `/v1/connectors/${c.id}`, { groupManagement: false });
    expect(gm.body.detail).toMatch(/^body: groupManagement: .*PATCH \/v1\/connectors\/\{id\}\/idm/);
    expect((await call('PATCH', `/v1/connectors/${c.id}`, { lable: 'typo' })).body.detail).toBe('body: lable: unknown field (did you mean "label"?)');
    expect((await call('PATCH', `/v1/connectors/${c.id}`, {})).body.detail).toMatch(/at least one field/);
    expect((await call('PATCH', '/v1/connectors/con_nope', { label: 'x' })).status).toBe(404);
    const [row] = await h.db.select().from(connectors).where(eq(connectors.id, c.id));
    expect(row?.ssoIdpUrl).toBe('https://idp.example.com/saml2/slack');
  });

  it('a plan change queues the users of an IdM-active connector, and nothing for an inactive one', async () => {
    const active = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    const members = await boundGroup(active.id, 2);
    const inactive = await newConnector();
    await boundGroup(inactive.id, 1);
    await takeIntents();
    expect((await call('PATCH', `/v1/connectors/${active.id}`, { label: 'same plan' })).status).toBe(200);
    expect(await takeIntents()).toEqual([]);
    expect((await call('PATCH', `/v1/connectors/${active.id}`, { plan: 'enterprise_grid' })).status).toBe(200);
    expect(await takeIntents()).toEqual(members.map((m) => user(active.id, m)).sort());
    expect((await call('PATCH', `/v1/connectors/${inactive.id}`, { plan: 'enterprise_grid' })).status).toBe(200);
    expect(await takeIntents()).toEqual([]);
  });
});

describe('admin API: identity management', () => {
  it('activate: a wrong token is refused (422, failure event with Slack’s code); the right one activates and queues the connector’s users', async () => {
    const c = await newConnector();
    const members = await boundGroup(c.id, 2);
    expect(await takeIntents()).toEqual([]); // IdM inactive: nothing to sync yet

    const wrong = await call('POST', `/v1/connectors/${c.id}/idm/activate`, { scimBaseUrl: h.emulator.baseUrl, scimToken: WRONG_TOKEN });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ title: 'SCIM token rejected', errorCode: 'invalid_authentication' });
    expect(wrong.body.detail).toMatch(/invalid_authentication/);
    expect((await call('GET', `/v1/connectors/${c.id}`)).body).toMatchObject({ idmStatus: 'inactive', hasScimToken: false });
    expect(await events(c.id, 'idm_integration_activate')).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'invalid_authentication', objectId: c.id })]);
    expect(await takeIntents()).toEqual([]);

    expect((await call('POST', `/v1/connectors/${c.id}/idm/activate`, { scimBaseUrl: 'not a url', scimToken: 'x' })).body.detail).toMatch(/^body: scimBaseUrl: /);
    expect((await call('POST', `/v1/connectors/${c.id}/idm/activate`, { scimBaseUrl: h.emulator.baseUrl })).body.detail).toMatch(/^body: scimToken: /);

    const ok = await call('POST', `/v1/connectors/${c.id}/idm/activate`, { scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ idmStatus: 'active', hasScimToken: true, scimBaseUrl: h.emulator.baseUrl });
    expect((await events(c.id, 'idm_integration_activate'))[0]).toMatchObject({ outcome: 'success' });
    expect(await takeIntents()).toEqual(members.map((m) => user(c.id, m)).sort());
    const [row] = await h.db.select().from(connectors).where(eq(connectors.id, c.id));
    expect(row?.scimTokenEncrypted).toBeTruthy();
    expect(row?.scimTokenEncrypted).not.toContain(h.slackToken);

    const again = await call('POST', `/v1/connectors/${c.id}/idm/activate`, { scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already active.*idm\/reauth/);
    expect((await call('POST', '/v1/connectors/con_nope/idm/activate', { scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).status).toBe(404);
  });

  it('reauth verifies the new token against the stored URL (idm_integration_reauth events) and queues the users', async () => {
    const c = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    const members = await boundGroup(c.id, 1);
    await takeIntents();

    const wrong = await call('POST', `/v1/connectors/${c.id}/idm/reauth`, { scimToken: WRONG_TOKEN });
    expect(wrong.status).toBe(422);
    expect(await events(c.id, 'idm_integration_reauth')).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'invalid_authentication' })]);
    expect(await takeIntents()).toEqual([]);

    const ok = await call('POST', `/v1/connectors/${c.id}/idm/reauth`, { scimToken: h.slackToken });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ idmStatus: 'active', hasScimToken: true });
    expect((await events(c.id, 'idm_integration_reauth'))[0]).toMatchObject({ outcome: 'success' });
    expect(await takeIntents()).toEqual(members.map((m) => user(c.id, m)));

    const inactive = await newConnector();
    const refused = await call('POST', `/v1/connectors/${inactive.id}/idm/reauth`, { scimToken: h.slackToken });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/not active.*idm\/activate/);
  });

  it('PATCH idm changes settings with an idm_integration_update event; turning group management on queues the bound groups', async () => {
    const c = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    await boundGroup(c.id, 1);
    const groupId = (await call('GET', `/v1/connectors/${c.id}/groups`)).body.items[0].groupId as string;
    await takeIntents();

    const off = await call('PATCH', `/v1/connectors/${c.id}/idm`, { groupManagement: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ groupManagement: false, label: expect.any(String) });
    expect(off.body).not.toHaveProperty('warning');
    expect((await events(c.id, 'idm_integration_update'))[0]).toMatchObject({ outcome: 'success', message: expect.stringMatching(/group management on → off/) });
    expect(await takeIntents()).toEqual([]);

    const on = await call('PATCH', `/v1/connectors/${c.id}/idm`, { groupManagement: true, usersChooseDisplayName: true });
    expect(on.body).toMatchObject({ groupManagement: true, usersChooseDisplayName: true });
    expect(on.body.warnings).toEqual([expect.objectContaining({ code: 'users_choose_display_name', message: expect.stringMatching(/choose their own display name/) })]);
    expect(await takeIntents()).toEqual([`group ${c.id} ${groupId}`]);

    expect((await call('PATCH', `/v1/connectors/${c.id}/idm`, {})).body.detail).toMatch(/at least one setting/);
    expect((await call('PATCH', `/v1/connectors/${c.id}/idm`, { groupManagement: 'yes' })).body.detail).toMatch(/^body: groupManagement: /);
    expect((await call('PATCH', '/v1/connectors/con_nope/idm', { plan: 'business_plus' })).status).toBe(404);
  });

  it('deactivate forgets the token, records idm_integration_delete, sends nothing to Slack, and later changes queue nothing', async () => {
    const c = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    const [member] = await boundGroup(c.id, 1);
    await takeIntents();
    const before = (await h.slack('GET', '/Users?count=1')).body.totalResults;

    const res = await call('POST', `/v1/connectors/${c.id}/idm/deactivate`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ idmStatus: 'inactive', hasScimToken: false });
    expect((await events(c.id, 'idm_integration_delete'))[0]).toMatchObject({ outcome: 'success' });
    expect(await takeIntents()).toEqual([]);
    expect((await h.slack('GET', '/Users?count=1')).body.totalResults).toBe(before);
    const [row] = await h.db.select().from(connectors).where(eq(connectors.id, c.id));
    expect(row?.scimTokenEncrypted).toBeNull();

    await call('PATCH', `/v1/users/${member}`, { department: 'After' });
    expect(await takeIntents()).toEqual([]);
    const again = await call('POST', `/v1/connectors/${c.id}/idm/deactivate`);
    expect(again.status).toBe(409);
    expect((await call('POST', '/v1/connectors/con_nope/idm/deactivate')).status).toBe(404);
  });

  it('never shows a token in any answer or event', async () => {
    const all = await call('GET', '/v1/events?limit=500');
    expect(all.body.items.length).toBeGreaterThan(5);
    const text = answers.join('\n');
    expect(text).not.toContain(h.slackToken);
    expect(text).not.toContain(WRONG_TOKEN);
  });
});

describe('admin API: links, sync and events', () => {
  it('lists a connector’s links, and with state=stuck only the quarantined users', async () => {
    const c = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    const [a, b, s] = [await newUser(), await newUser(), await newUser()];
    await saveLink(h.db, { connectorId: c.id, userId: a, remoteId: 'UA', state: 'active' });
    await saveLink(h.db, { connectorId: c.id, userId: b, state: 'failed', lastErrorCode: 'invalid_email', lastError: 'Slack refused the email' });
    await saveLink(h.db, { connectorId: c.id, userId: s, remoteId: 'US', state: 'stuck', lastErrorCode: 'unreachable', lastError: 'kept failing' });

    const all = await call('GET', `/v1/connectors/${c.id}/users`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((l: { userId: string }) => l.userId)).toEqual([a, b, s].sort());
    expect(all.body.items).toContainEqual(expect.objectContaining({ userId: b, state: 'failed', lastErrorCode: 'invalid_email', lastError: 'Slack refused the email', remoteId: null }));
    const stuck = await call('GET', `/v1/connectors/${c.id}/users?state=stuck`);
    expect(stuck.body.items).toEqual([expect.objectContaining({ userId: s, remoteId: 'US', state: 'stuck', lastErrorCode: 'unreachable', updatedAt: expect.any(String) })]);

    const first = await call('GET', `/v1/connectors/${c.id}/users?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await call('GET', `/v1/connectors/${c.id}/users?limit=2&after=${first.body.next}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next).toBeUndefined();

    expect((await call('GET', `/v1/connectors/${c.id}/users?state=lost`)).body.detail).toMatch(/^query: state: /);
    expect((await call('GET', '/v1/connectors/con_nope/users')).status).toBe(404);
  });

  it('requests a sync of one user (202 with the workflow ID); 404 for unknown IDs', async () => {
    const c = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    const u = await newUser();
    const res = await call('POST', `/v1/connectors/${c.id}/users/${u}/sync`);
    expect(res.status).toBe(202);
    expect(res.body.workflowId).toBe(`user-sync/${c.id}/${u}`);
    expect((await call('POST', `/v1/connectors/con_nope/users/${u}/sync`)).status).toBe(404);
    expect((await call('POST', `/v1/connectors/${c.id}/users/usr_nope/sync`)).status).toBe(404);
  });

  it('filters events and refuses bad filters naming them', async () => {
    const c = await newConnector({ scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    const res = await call('GET', `/v1/events?connectorId=${c.id}&outcome=success&since=2000-01-01&limit=1`);
    expect(res.body.items).toEqual([expect.objectContaining({ type: 'idm_integration_activate', connectorId: c.id })]);
    expect((await call('GET', `/v1/events?connectorId=${c.id}&until=2000-01-01T00:00:00Z`)).body.items).toEqual([]);
    expect((await call('GET', '/v1/events?type=nope')).body.detail).toMatch(/^query: type: /);
    // Relative forms are accepted; anything else is refused naming the forms that are.
    expect((await call('GET', `/v1/events?connectorId=${c.id}&since=2h`)).body.items).toEqual([expect.objectContaining({ type: 'idm_integration_activate' })]);
    expect((await call('GET', `/v1/events?connectorId=${c.id}&since=yesterday`)).body.items).toHaveLength(1);
    expect((await call('GET', `/v1/events?connectorId=${c.id}&until=7d`)).body.items).toEqual([]);
    expect((await call('GET', '/v1/events?since=last%20tuesday')).body.detail).toMatch(/^query: since: not a time: use an ISO 8601 date or time .* 15m, 2h, 7d/);
  });
});
