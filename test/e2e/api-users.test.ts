import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveLink } from '../../db/links';
import { directoryUsers } from '../../db/schema';
import { type Harness, startHarness } from '../support/harness';
import { takeIntents as takeOwnIntents } from '../support/outbox';

let h: Harness;
/** Every ID this file creates: the outbox is checked (and emptied) for these. */
const mine: string[] = [];
const tag = `u${Date.now().toString(36)}`;

beforeAll(async () => {
  // The outbox is asserted row by row: a database of this file's own, and no dispatcher draining it.
  h = await startHarness({ database: 'pglite', dispatcher: false });
});
afterAll(() => h?.stop());
beforeEach(async () => {
  await takeIntents();
});

const takeIntents = () => takeOwnIntents(h.db, mine);

async function newUser(name: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await h.call('POST', '/v1/users', { username: `${tag}.${name}`, email: `${name}.${tag}@example.com`, ...extra });
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  return res.body;
}

async function newConnector(activeIdm: boolean): Promise<string> {
  const body = { label: `Users ${tag}`, teamName: 'acme', teamDomain: 'acme.slack.com', ...(activeIdm ? { scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken } : {}) };
  const res = await h.call('POST', '/v1/connectors', body);
  expect(res.status).toBe(201);
  mine.push(res.body.id);
  return res.body.id;
}

describe('admin API: authentication', () => {
  it('refuses every /v1 route without the API key (401 problem+json) but serves /healthz and /openapi.json', async () => {
    for (const [method, path] of [['GET', '/v1/users'], ['POST', '/v1/users'], ['GET', '/v1/groups'], ['DELETE', '/v1/users/usr_x'], ['GET', '/v1/events']] as const) {
      const res = await fetch(h.apiUrl + path, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await res.json()).detail).toMatch(/Authorization: Bearer/);
    }
    const wrong = await fetch(`${h.apiUrl}/v1/users`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${h.apiUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.apiUrl}/openapi.json`)).status).toBe(200);
  });
});

describe('admin API: users', () => {
  it('creates a user with defaults for omitted attributes, and refuses invalid ones naming the field', async () => {
    const u = await newUser('ada', { firstName: 'Ada', phoneNumbers: [{ type: 'mobile', value: '+15550100' }] });
    expect(u).toMatchObject({ username: `${tag}.ada`, firstName: 'Ada', lastName: '', suspended: false, passwordExpired: false, groupIds: [] });
    expect(u).not.toHaveProperty('deletedAt');

    const bad = await h.call('POST', '/v1/users', { username: `${tag}.bad`, email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ title: 'Invalid request', status: 400 });
    expect(bad.body.detail).toMatch(/^body: email: /);
    const missing = await h.call('POST', '/v1/users', { email: 'x@example.com' });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/^body: username: /);
    const nested = await h.call('POST', '/v1/users', { username: `${tag}.n`, email: 'n@example.com', phoneNumbers: [{ type: 'work' }] });
    expect(nested.status).toBe(400);
    expect(nested.body.detail).toMatch(/^body: phoneNumbers\.0\.value: /);
  });

  it('refuses a duplicate username, ignoring case (409)', async () => {
    const u = await newUser('grace');
    const dup = await h.call('POST', '/v1/users', { username: `${tag}.GRACE`, email: 'other@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain(`username "${tag}.GRACE" already exists (${u.id})`);
  });

  it('lists users in keyset pages and shows one with its groups; unknown IDs are 404', async () => {
    const created = [await newUser('p1'), await newUser('p2'), await newUser('p3')];
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const res = await h.call('GET', `/v1/users?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((u: { id: string }) => u.id));
      after = res.body.next;
      if (!after) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const u of created) expect(seen).toContain(u.id);
    expect((await h.call('GET', '/v1/users?limit=0')).body.detail).toMatch(/^query: limit: /);

    const group = await h.call('POST', '/v1/groups', { name: `${tag}-show` });
    mine.push(group.body.id);
    expect((await h.call('PUT', `/v1/groups/${group.body.id}/members/${created[0]!.id}`)).status).toBe(200);
    const shown = await h.call('GET', `/v1/users/${created[0]!.id}`);
    expect(shown.body).toMatchObject({ id: created[0]!.id, groupIds: [group.body.id] });

    const missing = await h.call('GET', '/v1/users/usr_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('No directory user usr_nope');
  });

  it('PATCH changes only the fields sent and keeps the others', async () => {
    const u = await newUser('patch', { firstName: 'Pat', jobTitle: 'Engineer', department: 'R&D', phoneNumbers: [{ type: 'work', value: '+15550101' }], suspended: true });
    const res = await h.call('PATCH', `/v1/users/${u.id}`, { department: 'Research' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ department: 'Research', firstName: 'Pat', jobTitle: 'Engineer', suspended: true, phoneNumbers: [{ type: 'work', value: '+15550101' }] });
    const [row] = await h.db.select().from(directoryUsers).where(eq(directoryUsers.id, u.id));
    expect(row).toMatchObject({ department: 'Research', firstName: 'Pat', jobTitle: 'Engineer', suspended: true, lastName: '' });

    const renamed = await h.call('PATCH', `/v1/users/${u.id}`, { username: `${tag}.Patch2`, lastName: 'Smith' });
    expect(renamed.body).toMatchObject({ username: `${tag}.Patch2`, lastName: 'Smith', department: 'Research' });

    const other = await newUser('taken');
    const conflict = await h.call('PATCH', `/v1/users/${u.id}`, { username: other.username.toUpperCase() });
    expect(conflict.status).toBe(409);
    expect(conflict.body.detail).toContain('already exists');

    const unknown = await h.call('PATCH', `/v1/users/${u.id}`, { jobtitle: 'typo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toBe('body: jobtitle: unknown field (did you mean "jobTitle"?)');
    const empty = await h.call('PATCH', `/v1/users/${u.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/at least one field/);
    const invalid = await h.call('PATCH', `/v1/users/${u.id}`, { email: 'nope' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toMatch(/^body: email: /);
    expect((await h.call('PATCH', '/v1/users/usr_nope', { department: 'x' })).status).toBe(404);
  });

  it('suspends, unsuspends, expires and resets the password', async () => {
    const u = await newUser('flags');
    expect((await h.call('POST', `/v1/users/${u.id}/suspend`)).body).toMatchObject({ suspended: true, passwordExpired: false });
    expect((await h.call('POST', `/v1/users/${u.id}/unsuspend`)).body).toMatchObject({ suspended: false });
    expect((await h.call('POST', `/v1/users/${u.id}/expire-password`)).body).toMatchObject({ passwordExpired: true });
    expect((await h.call('POST', `/v1/users/${u.id}/reset-password`)).body).toMatchObject({ passwordExpired: false, suspended: false });
    for (const action of ['suspend', 'unsuspend', 'expire-password', 'reset-password']) expect((await h.call('POST', `/v1/users/usr_nope/${action}`)).status).toBe(404);
  });

  it('DELETE soft-deletes: 204, hidden afterwards (404), the row kept, the username still taken', async () => {
    const u = await newUser('gone');
    const del = await h.call('DELETE', `/v1/users/${u.id}`);
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await h.call('GET', `/v1/users/${u.id}`)).status).toBe(404);
    expect((await h.call('PATCH', `/v1/users/${u.id}`, { department: 'x' })).status).toBe(404);
    expect((await h.call('POST', `/v1/users/${u.id}/suspend`)).status).toBe(404);
    expect((await h.call('DELETE', `/v1/users/${u.id}`)).status).toBe(404);
    const [row] = await h.db.select().from(directoryUsers).where(eq(directoryUsers.id, u.id));
    expect(row?.deletedAt).toBeInstanceOf(Date);

    const all: string[] = [];
    for (let after: string | undefined, i = 0; i < 1000; i++) {
      const res = await h.call('GET', `/v1/users?limit=500${after ? `&after=${after}` : ''}`);
      all.push(...res.body.items.map((x: { id: string }) => x.id));
      after = res.body.next;
      if (!after) break;
    }
    expect(all).not.toContain(u.id);

    const reuse = await h.call('POST', '/v1/users', { username: u.username, email: 'again@example.com' });
    expect(reuse.status).toBe(409);
    expect(reuse.body.detail).toMatch(/deleted directory user .* keeps its username/);
  });
});

describe('admin API: users and the outbox', () => {
  it('queues nothing for a user in no bound group and with no link', async () => {
    const u = await newUser('lonely');
    await newConnector(true);
    expect(await takeIntents()).toEqual([]);
    await h.call('PATCH', `/v1/users/${u.id}`, { jobTitle: 'Hermit' });
    await h.call('POST', `/v1/users/${u.id}/suspend`);
    await h.call('DELETE', `/v1/users/${u.id}`);
    expect(await takeIntents()).toEqual([]);
  });

  it('queues the user for each IdM-active connector a bound group authorizes, or a link ties it to, after every change', async () => {
    const active = await newConnector(true);
    const inactive = await newConnector(false);
    const linkedOnly = await newConnector(true);
    const group = (await h.call('POST', '/v1/groups', { name: `${tag}-outbox` })).body.id as string;
    mine.push(group);
    expect((await h.call('PUT', `/v1/connectors/${active}/groups/${group}`)).status).toBe(201);
    expect((await h.call('PUT', `/v1/connectors/${inactive}/groups/${group}`, { override: 'test: two connectors' })).status).toBe(201);
    const u = await newUser('member');
    await takeIntents();

    expect((await h.call('PUT', `/v1/groups/${group}/members/${u.id}`)).status).toBe(200);
    expect(await takeIntents()).toEqual([`group ${active} ${group}`, `user ${active} ${u.id}`]);

    await saveLink(h.db, { connectorId: linkedOnly, userId: u.id, remoteId: 'W_LINKED', state: 'active' });
    const expected = [`user ${active} ${u.id}`, `user ${linkedOnly} ${u.id}`].sort();
    for (const [method, path, body] of [
      ['PATCH', `/v1/users/${u.id}`, { department: 'Ops' }],
      ['POST', `/v1/users/${u.id}/suspend`],
      ['POST', `/v1/users/${u.id}/unsuspend`],
      ['POST', `/v1/users/${u.id}/expire-password`],
      ['POST', `/v1/users/${u.id}/reset-password`],
      ['DELETE', `/v1/users/${u.id}`],
    ] as const) {
      const res = await h.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      expect(await takeIntents(), `${method} ${path}`).toEqual(expected);
    }
    // A refused change queues nothing.
    expect((await h.call('PATCH', `/v1/users/${u.id}`, { department: 'x' })).status).toBe(404);
    expect(await takeIntents()).toEqual([]);
  });
});
