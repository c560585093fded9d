import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startEmulator } from '../../emulator/server';
import { ScimError } from '../../targets/errors';
import { slackClient } from '../../targets/slack/dialect';
import { DirectoryUserFields, type DirectoryUserInput } from '../../core/directory';
import { toScimUser } from '../../core/mapping';
import { memberReferences, planGroupSync as planWith, type GroupSyncInput, type GroupSyncPlan } from '../../core/plan/group-membership';
import { isSlackManagedName } from '../../targets/slack/groups';
import { memberIdsOf, type ScimGroup } from '../../core/scim-group';
import { LIMITS, SCHEMAS, SLACK_ERRORS } from '../../targets/slack/facts';

const planGroupSync = (input: Omit<GroupSyncInput, 'batchSize'> & { batchSize?: number }) => planWith({ batchSize: LIMITS.groupMembersPerBatchRecommended, ...input });

/** The SCIM client's group methods over real loopback HTTP against the Slack SCIM emulator. */

const TOKEN = 'xoxp-emulator-groups-token-7';
type Emulator = Awaited<ReturnType<typeof startEmulator>>;

async function control<T = unknown>(emu: Emulator, path: string, body: unknown = {}): Promise<T> {
  const res = await request(`${emu.origin}/_emulator/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`emulator control ${path} answered ${res.statusCode}: ${text}`);
  return JSON.parse(text) as T;
}

async function stats(emu: Emulator): Promise<{ endpoints: Record<string, { total: number }> }> {
  const res = await request(`${emu.origin}/_emulator/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.body.json()) as { endpoints: Record<string, { total: number }> };
}

const failureOf = (p: Promise<unknown>): Promise<ScimError> =>
  p.then(
    () => {
      throw new Error('expected a ScimError');
    },
    (e: unknown) => {
      if (!(e instanceof ScimError)) throw e;
      return e;
    },
  );

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** Sends a plan the way a sync does: the POST (if any), then each PATCH in order. The group after it. */
async function applyPlan(scim: ReturnType<typeof slackClient>, plan: GroupSyncPlan, groupId: string | null): Promise<ScimGroup | null> {
  let id = groupId;
  let group: ScimGroup | null = null;
  if (plan.create) {
    group = await scim.createGroup(plan.create);
    id = group.id;
  }
  for (const operations of plan.patches) {
    if (!id) throw new Error('PATCH without a group');
    group = await scim.patchGroup(id, operations);
  }
  return id ? scim.getGroup(id) : null;
}

describe('ReturnType<typeof slackClient> groups against the emulator', () => {
  let emu: Emulator;
  let scim: ReturnType<typeof slackClient>;
  let userSeq = 0;

  /** Users created through POST /Users, as the engine creates them. */
  async function users(count: number, overrides: Partial<DirectoryUserInput> = {}): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      userSeq += 1;
      const fields = DirectoryUserFields.parse({ username: `member${userSeq}`, email: `member${userSeq}@example.test`, firstName: 'Member', lastName: `No ${userSeq}`, ...overrides });
      out.push((await scim.createUser(toScimUser({ id: `dir-${userSeq}`, ...fields }))).id);
    }
    return out;
  }

  const bulkUsers = async (count: number) => (await control<{ ids: string[] }>(emu, 'users/bulk', { count })).ids;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, token: TOKEN, rateLimits: { enabled: false } });
    scim = slackClient({ baseUrl: emu.baseUrl, token: TOKEN });
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(async () => {
    await control(emu, 'reset');
  });

  it('create → get → find by name → add → remove one → remove all → rename → delete', async () => {
    const [u1, u2, u3] = (await users(3)) as [string, string, string];

    const created = await scim.createGroup({ displayName: 'Engineering', members: [u1, u2] });
    expect(created.id).toMatch(/^S/);
    expect(created).toMatchObject({ displayName: 'Engineering' });
    expect(sorted(memberIdsOf(created))).toEqual(sorted([u1, u2]));

    expect(await scim.getGroup(created.id)).toMatchObject({ id: created.id, displayName: 'Engineering' });
    expect((await scim.findGroupByName('engineering'))?.id).toBe(created.id);
    expect((await scim.findGroupByName('ENGINEERING'))?.id).toBe(created.id);
    expect(await scim.findGroupByName('Engineer')).toBeNull();

    const added = await scim.patchGroup(created.id, [{ op: 'add', path: 'members', value: [{ value: u3 }] }]);
    expect(sorted(memberIdsOf(added))).toEqual(sorted([u1, u2, u3]));

    const removedOne = await scim.patchGroup(created.id, [{ op: 'remove', path: `members[value eq "${u2}"]` }]);
    expect(sorted(memberIdsOf(removedOne))).toEqual(sorted([u1, u3]));

    const removedAll = await scim.patchGroup(created.id, [{ op: 'remove', path: 'members' }]);
    expect(removedAll.members).toEqual([]);

    const renamed = await scim.patchGroup(created.id, [{ op: 'replace', path: 'displayName', value: 'Platform' }]);
    expect(renamed).toMatchObject({ id: created.id, displayName: 'Platform' });
    expect((await scim.findGroupByName('platform'))?.id).toBe(created.id);
    expect(await scim.findGroupByName('Engineering')).toBeNull();

    await scim.deleteGroup(created.id);
    expect(await scim.getGroup(created.id)).toBeNull();
    // Already gone counts as deleted.
    await expect(scim.deleteGroup(created.id)).resolves.toBeUndefined();
    // DELETE is permanent and frees the name.
    expect((await scim.createGroup({ displayName: 'Platform' })).id).not.toBe(created.id);
  });

  it('getGroup of an unknown ID is null; a group without members reads back with members []', async () => {
    expect(await scim.getGroup('SNOSUCHGROUP')).toBeNull();
    const empty = await scim.createGroup({ displayName: 'Empty' });
    expect(empty.members).toEqual([]);
    expect((await scim.getGroup(empty.id))?.members).toEqual([]);
  });

  it('lists every group across pages', async () => {
    for (let i = 0; i < 23; i++) await scim.createGroup({ displayName: `Group ${i}` });
    const names: string[] = [];
    for await (const page of scim.listGroups({ pageSize: 10 })) for (const g of page) names.push(g.displayName);
    expect(names).toHaveLength(23);
    expect(new Set(names).size).toBe(23);
    const filtered: string[] = [];
    for await (const page of scim.listGroups({ filter: 'displayName eq "group 7"' })) for (const g of page) filtered.push(g.displayName);
    expect(filtered).toEqual(['Group 7']);
  });

  it('calls beforeRequest with the Groups resources', async () => {
    const seen: string[] = [];
    const client = slackClient({ baseUrl: emu.baseUrl, token: TOKEN, beforeRequest: async (method, resource) => void seen.push(`${method} ${resource}`) });
    const g = await client.createGroup({ displayName: 'Hooked' });
    await client.getGroup(g.id);
    await client.findGroupByName('Hooked');
    await client.patchGroup(g.id, [{ op: 'replace', path: 'displayName', value: 'Hooked 2' }]);
    await client.deleteGroup(g.id);
    expect(seen).toEqual(['POST Groups', 'GET Groups/:id', 'GET Groups', 'PATCH Groups/:id', 'DELETE Groups/:id']);
  });

  describe('a planGroupSync result brings Slack exactly to the desired state', () => {
    it('create, take over with changes and a rename, empty, and nothing left to do', async () => {
      const ids = await users(8);
      const first = ids.slice(0, 5);

      // Nothing exists yet: created with its members.
      const created = await applyPlan(scim, planGroupSync({ desiredName: 'Design', desiredMemberIds: first, actual: null }), null);
      expect(created?.displayName).toBe('Design');
      expect(sorted(memberIdsOf(created!))).toEqual(sorted(first));

      // Changes and a rename, in small batches to cross request boundaries.
      const found = await scim.findGroupByName('design');
      const want = [...ids.slice(2, 8)];
      const plan = planGroupSync({ desiredName: 'Product Design', desiredMemberIds: want, actual: { displayName: found!.displayName, memberIds: memberIdsOf(found!) }, batchSize: 2 });
      expect(plan.patches.length).toBeGreaterThan(1);
      const updated = await applyPlan(scim, plan, found!.id);
      expect(updated?.displayName).toBe('Product Design');
      expect(sorted(memberIdsOf(updated!))).toEqual(sorted(want));

      // In step: nothing to send.
      expect(planGroupSync({ desiredName: 'Product Design', desiredMemberIds: want, actual: { displayName: updated!.displayName, memberIds: memberIdsOf(updated!) } }).patches).toEqual([]);

      // Emptied with one request.
      const emptyPlan = planGroupSync({ desiredName: 'Product Design', desiredMemberIds: [], actual: { displayName: updated!.displayName, memberIds: memberIdsOf(updated!) } });
      expect(emptyPlan.patches).toHaveLength(1);
      expect((await applyPlan(scim, emptyPlan, updated!.id))?.members).toEqual([]);
    });

    it('6,000 members: created in a POST of 5,000 and a PATCH of 1,000, then changed and emptied', async () => {
      const ids = await bulkUsers(7000);
      const before = await stats(emu);
      const plan = planGroupSync({ desiredName: 'Everyone', desiredMemberIds: ids.slice(0, 6000), actual: null });
      expect(plan.create?.members).toHaveLength(LIMITS.groupMembersPerBatchRecommended);
      expect(plan.patches.map(memberReferences)).toEqual([1000]);
      const created = await applyPlan(scim, plan, null);
      expect(created?.members).toHaveLength(6000);
      expect(sorted(memberIdsOf(created!))).toEqual(sorted(ids.slice(0, 6000)));
      const after = await stats(emu);
      const delta = (key: string) => (after.endpoints[key]?.total ?? 0) - (before.endpoints[key]?.total ?? 0);
      expect(delta('POST /Groups')).toBe(1);
      expect(delta('PATCH /Groups/:id')).toBe(1);

      // 1,000 leave and 1,000 join: 2,000 references, one PATCH.
      const want = ids.slice(1000, 7000);
      const change = planGroupSync({ desiredName: 'Everyone', desiredMemberIds: want, actual: { displayName: 'Everyone', memberIds: memberIdsOf(created!) } });
      expect(change.patches).toHaveLength(1);
      expect(change.summary).toEqual({ added: 1000, removed: 1000, renamed: false });
      const changed = await applyPlan(scim, change, created!.id);
      expect(sorted(memberIdsOf(changed!))).toEqual(sorted(want));

      const empty = planGroupSync({ desiredName: 'Everyone', desiredMemberIds: [], actual: { displayName: 'Everyone', memberIds: memberIdsOf(changed!) } });
      expect(empty.patches).toEqual([[{ op: 'remove', path: 'members' }]]);
      expect((await applyPlan(scim, empty, created!.id))?.members).toEqual([]);
    });
  });

  describe('errors are classified', () => {
    it('a Slack-managed group reads but every write is permanent permission_denied, without its name in the message', async () => {
      const [admin] = await users(1);
      const managed = await control<ScimGroup>(emu, 'groups/slack-managed', { displayName: 'Team Admins', members: [admin] });
      expect(isSlackManagedName(managed.displayName)).toBe(true);
      expect((await scim.findGroupByName('team admins'))?.id).toBe(managed.id);

      const patch = await failureOf(scim.patchGroup(managed.id, [{ op: 'remove', path: 'members' }]));
      expect(patch).toMatchObject({ kind: 'permanent', code: 'permission_denied', status: 403, explanation: SLACK_ERRORS.permission_denied.explain });
      expect(patch.message).not.toContain('Team Admins');
      expect(patch.message).not.toContain(managed.id);
      expect(patch.message).toContain('PATCH /Groups/<id>');
      const del = await failureOf(scim.deleteGroup(managed.id));
      expect(del).toMatchObject({ kind: 'permanent', code: 'permission_denied', status: 403 });
      expect(memberIdsOf((await scim.getGroup(managed.id))!)).toEqual([admin]);
    });

    it('an unknown member is permanent no_such_user, on create and on patch', async () => {
      const create = await failureOf(scim.createGroup({ displayName: 'Ghosts', members: ['UNOSUCHUSER0'] }));
      expect(create).toMatchObject({ kind: 'permanent', code: 'no_such_user', status: 400, explanation: SLACK_ERRORS.no_such_user.explain });
      const g = await scim.createGroup({ displayName: 'Ghosts' });
      const patch = await failureOf(scim.patchGroup(g.id, [{ op: 'add', path: 'members', value: [{ value: 'UNOSUCHUSER0' }] }]));
      expect(patch).toMatchObject({ kind: 'permanent', code: 'no_such_user', status: 400 });
    });

    it('a deactivated member is permanent unable_to_add_deleted_or_guest_to_group', async () => {
      const [gone] = (await users(1)) as [string];
      await scim.deactivateUser(gone);
      const e = await failureOf(scim.createGroup({ displayName: 'Alumni', members: [gone] }));
      expect(e).toMatchObject({ kind: 'permanent', code: 'unable_to_add_deleted_or_guest_to_group', status: 400 });
    });

    it('a taken name (any case) is permanent group_creation_failed, for creates and renames', async () => {
      await scim.createGroup({ displayName: 'Sales' });
      expect(await failureOf(scim.createGroup({ displayName: 'SALES' }))).toMatchObject({ kind: 'permanent', code: 'group_creation_failed', status: 400 });
      const other = await scim.createGroup({ displayName: 'Marketing' });
      expect(await failureOf(scim.patchGroup(other.id, [{ op: 'replace', path: 'displayName', value: 'sales' }]))).toMatchObject({ code: 'group_creation_failed' });
    });

    it('a disabled group is permanent group_members_create_failed on writes', async () => {
      const g = await scim.createGroup({ displayName: 'Old Team' });
      await control(emu, `groups/${g.id}/disable`);
      const e = await failureOf(scim.patchGroup(g.id, [{ op: 'replace', path: 'displayName', value: 'Old Team 2' }]));
      expect(e).toMatchObject({ kind: 'permanent', code: 'group_members_create_failed', status: 400, explanation: SLACK_ERRORS.group_members_create_failed.explain });
      expect(await failureOf(scim.createGroup({ displayName: 'old team' }))).toMatchObject({ code: 'group_creation_failed' });
    });

    it('more members than Slack takes in one request is permanent too_many_users', async () => {
      const many = Array.from({ length: LIMITS.groupMembersPerRequestMax + 1 }, (_, i) => `U${String(i).padStart(10, '0')}`);
      const e = await failureOf(scim.createGroup({ displayName: 'Too Big', members: many }));
      expect(e).toMatchObject({ kind: 'permanent', code: 'too_many_users', status: 400 });
    });
  });
});

describe('ReturnType<typeof slackClient> groups against the emulator with rate limits', () => {
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, token: TOKEN, rateLimits: { enabled: true, scale: 0.05 } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('a 429 on POST /Groups is rate_limited with Retry-After of at least a second', async () => {
    const scim = slackClient({ baseUrl: emu.baseUrl, token: TOKEN });
    // POST /Groups bursts 20 at full scale, so one at this scale: the next create is refused.
    let error: ScimError | undefined;
    for (let i = 0; i < 10 && !error; i++) {
      error = await scim.createGroup({ displayName: `Limited ${i}` }).then(
        () => undefined,
        (e: unknown) => {
          if (e instanceof ScimError) return e;
          throw e;
        },
      );
    }
    expect(error).toMatchObject({ kind: 'rate_limited', code: 'too_many_requests', status: 429 });
    expect(error?.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });
});

/** Answers the emulator never gives: a v1-style 204 PATCH, null attributes, a server that ignores filters. */
describe('ReturnType<typeof slackClient> groups against a scripted server', () => {
  let server: Server;
  let baseUrl: string;
  let seen: { method?: string; url?: string; body: string }[] = [];
  let replies: { status: number; body?: unknown }[] = [];
  const group = (id: string, displayName: string, extra: Record<string, unknown> = {}) => ({ schemas: [SCHEMAS.group], id, displayName, ...extra });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body });
        const reply = replies.shift() ?? { status: 500 };
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    replies = [];
  });
  const client = () => slackClient({ baseUrl, token: TOKEN });

  it('sends a PatchOp and reads the group back when PATCH answers 204', async () => {
    replies.push({ status: 204 }, { status: 200, body: group('S1', 'Eng', { members: [{ value: 'U1', display: null }] }) });
    const g = await client().patchGroup('S1', [{ op: 'add', path: 'members', value: [{ value: 'U1' }] }]);
    expect(g).toMatchObject({ id: 'S1', members: [{ value: 'U1' }] });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['PATCH /scim/v2/Groups/S1', 'GET /scim/v2/Groups/S1']);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ schemas: [SCHEMAS.patchOp], Operations: [{ op: 'add', path: 'members', value: [{ value: 'U1' }] }] });
  });

  it('a 204 PATCH of a group that then is gone is permanent no_such_group', async () => {
    replies.push({ status: 204 }, { status: 404, body: { detail: 'no_such_group', status: 404 } });
    expect(await failureOf(client().patchGroup('S1', []))).toMatchObject({ kind: 'permanent', code: 'no_such_group' });
  });

  it('POSTs the core Group schema, leaving out members when there are none', async () => {
    replies.push({ status: 201, body: group('S1', 'Eng') }, { status: 201, body: group('S2', 'Ops') });
    await client().createGroup({ displayName: 'Eng' });
    await client().createGroup({ displayName: 'Ops', members: ['U2', 'U1', 'U2'] });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ schemas: [SCHEMAS.group], displayName: 'Eng' });
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ schemas: [SCHEMAS.group], displayName: 'Ops', members: [{ value: 'U2' }, { value: 'U1' }] });
  });

  it('reads null members and meta leniently', async () => {
    replies.push({ status: 200, body: group('S1', 'Eng', { members: null, meta: null }) }, { status: 200, body: group('S2', 'Ops', { members: [null, { value: 'U1' }] }) });
    expect((await client().getGroup('S1'))?.members).toEqual([]);
    expect((await client().getGroup('S2'))?.members).toEqual([{ value: 'U1' }]);
  });

  it('findGroupByName filters, and checks the answer itself when the server ignores the filter', async () => {
    const page = (resources: unknown[]) => ({ schemas: [SCHEMAS.listResponse], totalResults: resources.length, Resources: resources });
    replies.push({ status: 200, body: page([group('S1', 'Engineering'), group('S2', 'ENG')]) }, { status: 200, body: page([group('S1', 'Engineering')]) });
    expect((await client().findGroupByName('eng'))?.id).toBe('S2');
    expect(new URL(seen[0]?.url ?? '', 'http://x').searchParams.get('filter')).toBe('displayName eq "eng"');
    expect(await client().findGroupByName('Eng "quoted"')).toBeNull();
    expect(new URL(seen[1]?.url ?? '', 'http://x').searchParams.get('filter')).toBe('displayName eq "Eng \\"quoted\\""');
  });

  it('a group without an id is a permanent invalid_response', async () => {
    replies.push({ status: 200, body: { displayName: 'Eng' } });
    expect(await failureOf(client().getGroup('S1'))).toMatchObject({ kind: 'permanent', code: 'invalid_response' });
  });

  it('a 404 other than no_such_group is not swallowed by deleteGroup or getGroup', async () => {
    replies.push({ status: 404, body: { detail: 'bad_endpoint', status: 404 } }, { status: 404, body: { detail: 'bad_endpoint', status: 404 } });
    expect(await failureOf(client().deleteGroup('S1'))).toMatchObject({ code: 'bad_endpoint' });
    expect(await failureOf(client().getGroup('S1'))).toMatchObject({ code: 'bad_endpoint' });
  });
});
