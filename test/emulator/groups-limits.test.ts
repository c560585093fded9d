import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENDPOINT_RATE_LIMITS, LIMITS, SCHEMAS } from '../../targets/slack/facts';
import { RateLimiter } from '../../emulator/rate-limit';
import type { RunningEmulator } from '../../emulator/server';
import { type Client, type Res, expectSlackError, groupBody, patchOp, startTestEmulator } from './helpers';

describe('group endpoint budgets (fake clock)', () => {
  it('POST Groups bursts 20, PUT/PATCH Groups 80 shared, DELETE Groups 20, GET Groups/:id 300', () => {
    let now = 0;
    const limiter = new RateLimiter({ enabled: true }, () => now);
    const burstOf = (method: string, resource: 'Groups' | 'Groups/:id'): number => {
      let n = 0;
      while (limiter.acquire(method, resource) === 0) n += 1;
      now += 3_600_000; // refill everything before the next endpoint
      return n;
    };
    expect(burstOf('POST', 'Groups')).toBe(ENDPOINT_RATE_LIMITS['POST Groups'].burst);
    expect(burstOf('PATCH', 'Groups/:id')).toBe(ENDPOINT_RATE_LIMITS['PATCH Groups/:id'].burst);
    expect(burstOf('DELETE', 'Groups/:id')).toBe(ENDPOINT_RATE_LIMITS['DELETE Groups/:id'].burst);
    expect(burstOf('GET', 'Groups/:id')).toBe(ENDPOINT_RATE_LIMITS['GET Groups/:id'].burst);
    // PUT and PATCH draw on one budget.
    for (let i = 0; i < 40; i++) expect(limiter.acquire('PUT', 'Groups/:id')).toBe(0);
    for (let i = 0; i < 40; i++) expect(limiter.acquire('PATCH', 'Groups/:id')).toBe(0);
    expect(limiter.acquire('PUT', 'Groups/:id')).toBeGreaterThan(0);
    // The group list has only the org read set.
    for (let i = 0; i < 1000; i++) expect(limiter.acquire('GET', 'Groups')).toBe(0);
    expect(limiter.acquire('GET', 'Groups')).toBeGreaterThan(0);
  });
});

describe('group rate limits over HTTP (scale 0.1)', () => {
  let emu: RunningEmulator;
  let client: Client;
  const SCALE = 0.1;

  beforeAll(async () => ({ emu, client } = await startTestEmulator({ enabled: true, scale: SCALE })));
  afterAll(() => emu.close());
  beforeEach(async () => {
    await client.reset();
    await client.control('POST', '/rate-limits', { enabled: true, scale: SCALE });
  });

  it('POST /Groups allows its burst of 2, then 429 too_many_requests with Retry-After', async () => {
    const burst = ENDPOINT_RATE_LIMITS['POST Groups'].burst * SCALE; // 2
    for (let i = 0; i < burst; i++) await client.createGroup(`G${i}`);
    const res = await client.scim('POST', '/Groups', groupBody('One too many'));
    expectSlackError(res, 'too_many_requests');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The group endpoints' budgets are their own: users can still be created.
    expect((await client.scim('POST', '/Users', { schemas: [SCHEMAS.user], userName: 'u1', emails: [{ value: 'u1@example.com' }] })).status).toBe(201);
  });

  it('PUT/PATCH /Groups/:id share a burst of 8, four times POST /Groups\' 2', async () => {
    const g = await client.createGroup('G');
    const burst = ENDPOINT_RATE_LIMITS['PATCH Groups/:id'].burst * SCALE; // 8
    const statuses: number[] = [];
    for (let i = 0; i <= burst; i++) {
      const res = i % 2
        ? await client.scim('PUT', `/Groups/${g.id}`, groupBody('G'))
        : await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'replace', path: 'displayName', value: 'G' }));
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(burst).fill(200), 429]);
    // DELETE /Groups/:id has its own budget.
    expect((await client.scim('DELETE', `/Groups/${g.id}`)).status).toBe(204);
  });

  it('DELETE /Groups/:id bursts 2; GET /Groups/:id has its own budget', async () => {
    const groups = [await client.createGroup('A'), await client.createGroup('B')];
    await client.control('POST', '/rate-limits', { enabled: true, scale: SCALE }); // refill POST Groups
    const third = await client.createGroup('C');
    for (const g of groups) expect((await client.scim('DELETE', `/Groups/${g.id}`)).status).toBe(204);
    expectSlackError(await client.scim('DELETE', `/Groups/${third.id}`), 'too_many_requests');
    expect((await client.scim('GET', `/Groups/${third.id}`)).status).toBe(200);
  });
});

describe('group lock, stats and reset', () => {
  let emu: RunningEmulator;
  let client: Client;

  beforeAll(async () => ({ emu, client } = await startTestEmulator()));
  afterAll(() => emu.close());
  beforeEach(() => client.reset());

  it('a second write on a group whose write is in progress gets 429 resource_locked', async () => {
    const g = await client.createGroup('Locked');
    const other = await client.createGroup('Free');
    await client.control('POST', '/faults', { latencyMs: 800, methods: ['PATCH'] });
    const slow = client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'replace', path: 'displayName', value: 'Locked' }));
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    let locked: Res | undefined;
    while (!locked && !slowDone) {
      const res = await client.scim('PUT', `/Groups/${g.id}`, groupBody('Locked'));
      if (res.status === 429) locked = res;
      else expect(res.status).toBe(200);
    }
    expect(locked, 'no write landed during the PATCH').toBeDefined();
    expectSlackError(locked!, 'resource_locked');
    expect(locked!.headers.get('retry-after')).toBe('1');
    expectSlackError(await client.scim('DELETE', `/Groups/${g.id}`), 'resource_locked');
    // Reads and other groups are not locked.
    expect((await client.scim('GET', `/Groups/${g.id}`)).status).toBe(200);
    expect((await client.scim('PUT', `/Groups/${other.id}`, groupBody('Free'))).status).toBe(200);
    expect((await slow).status).toBe(200);
    expect((await client.scim('DELETE', `/Groups/${g.id}`)).status).toBe(204);
  });

  it('stats count the group endpoints', async () => {
    const g = await client.createGroup('G');
    await client.scim('POST', '/Groups', groupBody('g'));
    await client.scim('GET', `/Groups/${g.id}`);
    await client.scim('GET', '/Groups');
    await client.scim('PUT', `/Groups/${g.id}`, groupBody('G'));
    await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'remove', path: 'members' }));
    await client.scim('DELETE', `/Groups/${g.id}`);
    await client.scim('GET', `/Groups/${g.id}`);
    const stats = (await client.control('GET', '/stats')).body;
    expect(stats.endpoints).toMatchObject({
      'POST /Groups': { total: 2, byStatus: { 201: 1, 400: 1 } },
      'GET /Groups/:id': { total: 2, byStatus: { 200: 1, 404: 1 } },
      'GET /Groups': { total: 1, byStatus: { 200: 1 } },
      'PUT /Groups/:id': { total: 1, byStatus: { 200: 1 } },
      'PATCH /Groups/:id': { total: 1, byStatus: { 200: 1 } },
      'DELETE /Groups/:id': { total: 1, byStatus: { 204: 1 } },
    });
    expect(stats.totals.total).toBe(8);
  });

  it('reset empties groups, Slack-managed and disabled ones too', async () => {
    const g = await client.createGroup('Keep');
    const managed = (await client.control('POST', '/groups/slack-managed', { displayName: 'Team Admins' })).body;
    await client.reset();
    expectSlackError(await client.scim('GET', `/Groups/${g.id}`), 'no_such_group');
    expectSlackError(await client.scim('GET', `/Groups/${managed.id}`), 'no_such_group');
    expect((await client.scim('GET', '/Groups')).body.totalResults).toBe(0);
    await client.createGroup('Keep');
    await client.createGroup('Team Admins');
  });
});

describe('15,000 members per request', () => {
  let emu: RunningEmulator;
  let client: Client;
  const MAX = LIMITS.groupMembersPerRequestMax;
  let members: string[];

  beforeAll(async () => {
    ({ emu, client } = await startTestEmulator());
    members = await client.bulkUsers(MAX);
  });
  afterAll(() => emu.close());

  const values = (list: string[]) => list.map((value) => ({ value }));

  it('POST with 15,000 members (with display names) is accepted; 15,001 → too_many_users', async () => {
    const body = groupBody('Everyone', [], { members: members.map((value, i) => ({ value, display: `Member number ${i}` })) });
    const res = await client.scim('POST', '/Groups', body);
    expect(res.status).toBe(201);
    expect(res.body.members).toHaveLength(MAX);
    expect(res.body.members[MAX - 1]).toEqual({ value: members[MAX - 1], display: expect.stringMatching(/^bulk\d+$/) });
    expect((await client.scim('GET', `/Users/${members[0]}`)).body.groups).toEqual([{ value: res.body.id, display: 'Everyone' }]);
    // The count is checked before any member is looked up: the unknown extra ID is not what fails.
    expectSlackError(await client.scim('POST', '/Groups', groupBody('Too many', [...members, 'UNOSUCHUSER'])), 'too_many_users');
    expectSlackError(await client.scim('POST', '/Groups', groupBody('Unknown', ['UNOSUCHUSER'])), 'no_such_user', 400);
  });

  it('the bulk-users control makes active members and checks its body', async () => {
    const user = (await client.scim('GET', `/Users/${members[0]}`)).body;
    expect(user).toMatchObject({ active: true, userName: expect.stringMatching(/^bulk\d+$/) });
    for (const count of [0, 'ten', 50_001]) expect((await client.control('POST', '/users/bulk', { count })).status).toBe(400);
  });

  it('PUT and PATCH count the members of the whole request', async () => {
    const g = await client.createGroup('Batch');
    expect((await client.scim('PUT', `/Groups/${g.id}`, groupBody('Batch', members))).body.members).toHaveLength(MAX);
    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, groupBody('Batch', [...members, 'UNOSUCHUSER'])), 'too_many_users');
    const half = MAX / 2;
    const patch = (extra: string[]) => client.scim('PATCH', `/Groups/${g.id}`, patchOp(
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: values(members.slice(0, half)) },
      { op: 'add', path: 'members', value: values([...members.slice(half), ...extra]) },
    ));
    expectSlackError(await patch(['UNOSUCHUSER']), 'too_many_users');
    expect((await client.scim('GET', `/Groups/${g.id}`)).body.members).toHaveLength(MAX); // unchanged
    const ok = await patch([]);
    expect(ok.status).toBe(200);
    expect(ok.body.members).toHaveLength(MAX);
    expectSlackError(await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'replace', path: 'members', value: values([...members, 'UX']) })), 'too_many_users');
  });
});
