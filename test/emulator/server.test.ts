import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Client, type Res, expectSlackError, startTestEmulator, userBody } from './helpers';
import type { RunningEmulator } from '../../emulator/server';

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => ({ emu, client } = await startTestEmulator()));
afterAll(() => emu.close());
beforeEach(() => client.reset());

describe('authentication', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'xoxp-wrong'],
  ])('answers 401 invalid_authentication with %s', async (_label, token) => {
    expectSlackError(await client.scim('GET', '/Users', undefined, { token }), 'invalid_authentication');
    expectSlackError(await client.scim('POST', '/Users', userBody(), { token }), 'invalid_authentication');
    expectSlackError(await client.control('GET', '/stats', undefined, { token }), 'invalid_authentication');
  });

  it('accepts only the Bearer scheme', async () => {
    const res = await fetch(`${emu.baseUrl}/Users`, { headers: { authorization: 'Basic eG94cDp4' } });
    expect(res.status).toBe(401);
  });

  it.each(['/ServiceProviderConfigs', '/ServiceProviderConfig'])('GET %s needs no token and reports capabilities', async (path) => {
    const res = await client.scim('GET', path, undefined, { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      schemas: [SCHEMAS.serviceProviderConfig],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: false },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
    });
  });
});

describe('requests', () => {
  it('answers bad_endpoint for unknown paths', async () => {
    expectSlackError(await client.scim('GET', '/Nope'), 'bad_endpoint');
  });

  it('answers invalid_request_payload for a body that is not JSON', async () => {
    expectSlackError(await client.scim('POST', '/Users', undefined, { raw: '{"userName":' }), 'invalid_request_payload');
  });

  it('reads an empty JSON body as no body (DELETE)', async () => {
    const u = await client.createUser();
    expect((await client.scim('DELETE', `/Users/${u.id}`, undefined, { raw: '' })).status).toBe(204);
  });

  it('accepts application/scim+json', async () => {
    const res = await client.scim('POST', '/Users', userBody({ userName: 'scimjson' }), { contentType: 'application/scim+json' });
    expect(res.status).toBe(201);
  });
});

describe('faults', () => {
  it('errorRate 1 answers the configured status on every request', async () => {
    expect((await client.control('POST', '/faults', { errorRate: 1, status: 503 })).status).toBe(200);
    expectSlackError(await client.scim('GET', '/Users'), 'internal_error', 503);
    expectSlackError(await client.scim('POST', '/Users', userBody()), 'internal_error', 503);
  });

  it('applies only to the listed methods, and 0/0 clears', async () => {
    await client.control('POST', '/faults', { errorRate: 1, status: 500, methods: ['post'] });
    expect((await client.scim('GET', '/Users')).status).toBe(200);
    expectSlackError(await client.scim('POST', '/Users', userBody()), 'internal_error', 500);
    await client.control('POST', '/faults', { errorRate: 0, latencyMs: 0 });
    expect((await client.scim('POST', '/Users', userBody())).status).toBe(201);
  });

  it('a 429 fault carries Retry-After', async () => {
    await client.control('POST', '/faults', { errorRate: 1, status: 429 });
    const res = await client.scim('GET', '/Users');
    expectSlackError(res, 'too_many_requests');
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('rejects a bad fault body with a readable message', async () => {
    const res = await client.control('POST', '/faults', { errorRate: 2, status: 'boom' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/errorRate/);
    expect(res.body.message).toMatch(/status/);
    expect((await client.control('POST', '/faults', { errorRate: 1, methods: ['FETCH'] })).status).toBe(400);
  });
});

describe('resource lock', () => {
  it('a second write on a user whose write is in progress gets 429 resource_locked', async () => {
    const u = await client.createUser();
    const other = await client.createUser();
    await client.control('POST', '/faults', { latencyMs: 800, methods: ['PATCH'] });
    const slow = client.scim('PATCH', `/Users/${u.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'Slow' }] });
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    // Same-content PUTs until one lands while the PATCH holds the lock (each is harmless if it lands before).
    const put = { schemas: [SCHEMAS.user], userName: u.userName, emails: u.emails };
    let locked: Res | undefined;
    while (!locked && !slowDone) {
      const res = await client.scim('PUT', `/Users/${u.id}`, put);
      if (res.status === 429) locked = res;
      else expect(res.status).toBe(200);
    }
    expect(locked, 'no write landed during the PATCH').toBeDefined();
    expectSlackError(locked!, 'resource_locked');
    expect(locked!.headers.get('retry-after')).toBe('1');
    // Reads and other users are not locked.
    expect((await client.scim('GET', `/Users/${u.id}`)).status).toBe(200);
    expect((await client.scim('PUT', `/Users/${other.id}`, { schemas: [SCHEMAS.user], userName: other.userName, emails: other.emails })).status).toBe(200);
    expect((await slow).status).toBe(200);
    // Released once the PATCH is done.
    expect((await client.scim('DELETE', `/Users/${u.id}`)).status).toBe(204);
  });
});

describe('stats and reset', () => {
  it('counts requests by endpoint and status, with totals', async () => {
    const u = await client.createUser();
    await client.scim('POST', '/Users', userBody({ userName: u.userName }));
    await client.scim('GET', `/Users/${u.id}`);
    await client.scim('GET', '/Users/UNOSUCHUSER');
    await client.scim('GET', '/Users');
    const stats = (await client.control('GET', '/stats')).body;
    expect(stats.endpoints).toMatchObject({
      'POST /Users': { total: 2, byStatus: { 201: 1, 409: 1 } },
      'GET /Users/:id': { total: 2, byStatus: { 200: 1, 404: 1 } },
      'GET /Users': { total: 1, byStatus: { 200: 1 } },
    });
    expect(Object.keys(stats.endpoints)).toHaveLength(3);
    expect(stats.totals).toMatchObject({ total: 5, byStatus: { 200: 2, 201: 1, 404: 1, 409: 1 } });
    // The window benchmarks measure rates over: first and last request times.
    expect(stats.totals.firstAt).toBeLessThanOrEqual(stats.totals.lastAt);
    expect(stats.endpoints['POST /Users'].firstAt).toBe(stats.totals.firstAt);
    expect(stats.endpoints['GET /Users'].lastAt).toBe(stats.totals.lastAt);
  });

  it('reset empties users, channels, stats and faults', async () => {
    const u = await client.createUser({ userName: 'keepme' });
    await client.control('POST', '/channels', { name: 'random' });
    await client.control('POST', '/faults', { errorRate: 1, status: 500, methods: ['DELETE'] });
    await client.reset();
    expect((await client.control('GET', '/stats')).body).toEqual({ totals: { total: 0, byStatus: {} }, endpoints: {} });
    expectSlackError(await client.scim('GET', `/Users/${u.id}`), 'no_such_user');
    expect((await client.scim('POST', '/Users', userBody({ userName: 'random' }))).status).toBe(201);
    expect((await client.scim('POST', '/Users', userBody({ userName: 'keepme' }))).status).toBe(201);
    const deleted = await client.createUser();
    expect((await client.scim('DELETE', `/Users/${deleted.id}`)).status).toBe(204);
  });

  it('rejects a bad channel body', async () => {
    const res = await client.control('POST', '/channels', { title: 'general' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/name/);
  });
});
