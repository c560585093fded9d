import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Client, expectSlackError, groupBody, patchOp, startTestEmulator } from './helpers';
import type { RunningEmulator } from '../../emulator/server';

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => ({ emu, client } = await startTestEmulator()));
afterAll(() => emu.close());
beforeEach(() => client.reset());

type Member = { value: string; display: string };
const ids = (group: { members: Member[] }) => group.members.map((m) => m.value);

describe('POST /Groups and GET /Groups/:id', () => {
  it('creates a group (201) with an S id, members with display names, and meta', async () => {
    const a = await client.createUser({ userName: 'alice', displayName: 'Alice A' });
    const b = await client.createUser({ userName: 'bob' });
    const res = await client.scim('POST', '/Groups', groupBody('Engineering', [a.id, b.id]));
    expect(res.status).toBe(201);
    const g = res.body;
    expect(g.id).toMatch(/^S[A-Z0-9]{10}$/);
    expect(g).toEqual({
      schemas: [SCHEMAS.group],
      id: g.id,
      displayName: 'Engineering',
      members: [{ value: a.id, display: 'Alice A' }, { value: b.id, display: 'bob' }],
      meta: { created: expect.any(String), location: `${emu.baseUrl}/Groups/${g.id}` },
    });
    expect(Number.isNaN(Date.parse(g.meta.created))).toBe(false);
    const read = await client.scim('GET', `/Groups/${g.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(g);
  });

  it('members are optional, and repeated members are kept once', async () => {
    expect((await client.createGroup('Empty')).members).toEqual([]);
    const u = await client.createUser();
    expect(ids(await client.createGroup('Twice', [u.id, u.id]))).toEqual([u.id]);
  });

  it('requires displayName and the Group schema', async () => {
    expectSlackError(await client.scim('POST', '/Groups', { schemas: [SCHEMAS.group] }), 'invalid_request_payload');
    expectSlackError(await client.scim('POST', '/Groups', groupBody('   ')), 'invalid_request_payload');
    expectSlackError(await client.scim('POST', '/Groups', { displayName: 'No schema' }), 'missing_schema_element');
    expectSlackError(await client.scim('POST', '/Groups', { ...groupBody('Bad'), members: [{ display: 'x' }] }), 'invalid_request_payload');
    expectSlackError(await client.scim('POST', '/Groups', { ...groupBody('Bad'), members: 'U1' }), 'invalid_request_payload');
  });

  it('an unknown member answers 400 no_such_user and creates nothing', async () => {
    const u = await client.createUser();
    expectSlackError(await client.scim('POST', '/Groups', groupBody('G', [u.id, 'UNOSUCHUSER'])), 'no_such_user', 400);
    expect((await client.scim('GET', '/Groups')).body.totalResults).toBe(0);
  });

  it('a deactivated member answers unable_to_add_deleted_or_guest_to_group', async () => {
    const u = await client.createUser();
    await client.scim('DELETE', `/Users/${u.id}`);
    expectSlackError(await client.scim('POST', '/Groups', groupBody('G', [u.id])), 'unable_to_add_deleted_or_guest_to_group');
  });

  it('group names are unique, case-insensitively → group_creation_failed', async () => {
    await client.createGroup('Sales');
    expectSlackError(await client.scim('POST', '/Groups', groupBody('sALES')), 'group_creation_failed');
    const other = await client.createGroup('Marketing');
    expectSlackError(await client.scim('PUT', `/Groups/${other.id}`, groupBody('SALES')), 'group_creation_failed');
    expectSlackError(await client.scim('PATCH', `/Groups/${other.id}`, patchOp({ op: 'replace', path: 'displayName', value: 'Sales' })), 'group_creation_failed');
    // Keeping its own name is fine.
    expect((await client.scim('PUT', `/Groups/${other.id}`, groupBody('MARKETING'))).status).toBe(200);
  });

  it.each(['GET', 'PUT', 'PATCH', 'DELETE'])('%s on an unknown id → 404 no_such_group', async (method) => {
    const body = method === 'PUT' ? groupBody('X') : method === 'PATCH' ? patchOp({ op: 'replace', path: 'displayName', value: 'X' }) : undefined;
    expectSlackError(await client.scim(method, '/Groups/SNOSUCHGRP0', body), 'no_such_group');
  });
});

describe('GET /Groups', () => {
  it('lists in creation order with pagination', async () => {
    for (const name of ['One', 'Two', 'Three']) await client.createGroup(name);
    const all = await client.scim('GET', '/Groups');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ schemas: [SCHEMAS.listResponse], totalResults: 3, itemsPerPage: 3, startIndex: 1 });
    expect(all.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['One', 'Two', 'Three']);
    const page = await client.scim('GET', '/Groups?startIndex=2&count=1');
    expect(page.body).toMatchObject({ totalResults: 3, itemsPerPage: 1, startIndex: 2 });
    expect(page.body.Resources[0].displayName).toBe('Two');
  });

  it('filters on displayName eq, case-insensitively', async () => {
    const g = await client.createGroup('Engineering');
    await client.createGroup('Sales');
    const res = await client.scim('GET', `/Groups?filter=${encodeURIComponent('DisplayName EQ "engineering"')}`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(g.id);
    const none = await client.scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "nope"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('matches a quoted name holding double spaces', async () => {
    const g = await client.createGroup('Two  Spaces');
    const res = await client.scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "two  spaces"')}`);
    expect(res.body.Resources.map((x: { id: string }) => x.id)).toEqual([g.id]);
  });

  it.each([
    ['', 'no_filters'],
    ['displayName eq', 'incomplete_filter'],
    ['displayName  eq "Eng"', 'incomplete_filter'],
    ['(displayName eq "Eng"', 'invalid_filter_group'],
    ['displayName co "Eng"', 'invalid_query'],
    ['id eq "S1"', 'invalid_query'],
    ['displayName eq "a" or displayName eq "b"', 'invalid_query'],
    ['displayName eq 1', 'invalid_query'],
  ] as const)('refuses the filter %j → %s', async (f, code) => {
    expectSlackError(await client.scim('GET', `/Groups?filter=${encodeURIComponent(f)}`), code);
  });
});

describe('PUT /Groups/:id', () => {
  it('replaces displayName and members', async () => {
    const [a, b, c] = [await client.createUser(), await client.createUser(), await client.createUser()];
    const g = await client.createGroup('Old', [a.id, b.id]);
    const res = await client.scim('PUT', `/Groups/${g.id}`, groupBody('New', [c.id, a.id]));
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('New');
    expect(ids(res.body)).toEqual([c.id, a.id]);
    expect(res.body.id).toBe(g.id);
    expect(res.body.meta).toEqual(g.meta);
  });

  it('without members clears the group', async () => {
    const a = await client.createUser();
    const g = await client.createGroup('G', [a.id]);
    const res = await client.scim('PUT', `/Groups/${g.id}`, { schemas: [SCHEMAS.group], displayName: 'G' });
    expect(res.status).toBe(200);
    expect(res.body.members).toEqual([]);
    expect((await client.scim('GET', `/Groups/${g.id}`)).body.members).toEqual([]);
    expect((await client.scim('GET', `/Users/${a.id}`)).body.groups).toEqual([]);
  });

  it('checks the new members and leaves the group unchanged on error', async () => {
    const a = await client.createUser();
    const off = await client.createUser();
    await client.scim('DELETE', `/Users/${off.id}`);
    const g = await client.createGroup('G', [a.id]);
    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, groupBody('G2', [off.id])), 'unable_to_add_deleted_or_guest_to_group');
    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, groupBody('G2', ['UNOSUCHUSER'])), 'no_such_user', 400);
    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, { displayName: 'G2' }), 'missing_schema_element');
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual(g);
  });
});

describe('PATCH /Groups/:id (v2 PatchOp)', () => {
  async function setup() {
    const users = [await client.createUser(), await client.createUser(), await client.createUser()];
    const g = await client.createGroup('G', [users[0].id, users[1].id]);
    return { u: users.map((x) => x.id as string), g };
  }
  const patch = (id: string, ...ops: unknown[]) => client.scim('PATCH', `/Groups/${id}`, patchOp(...ops));

  it('add appends members (200 with the group), keeping existing ones once', async () => {
    const { u, g } = await setup();
    const res = await patch(g.id, { op: 'add', path: 'members', value: [{ value: u[2] }, { value: u[0] }] });
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([SCHEMAS.group]);
    expect(ids(res.body)).toEqual([u[0], u[1], u[2]]);
  });

  it('replace sets the member list', async () => {
    const { u, g } = await setup();
    const res = await patch(g.id, { op: 'Replace', path: 'members', value: [{ value: u[2] }] });
    expect(ids(res.body)).toEqual([u[2]]);
  });

  it('remove with a value filter path removes one member', async () => {
    const { u, g } = await setup();
    const res = await patch(g.id, { op: 'remove', path: `members[value eq "${u[0]}"]` });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([u[1]]);
    // A member that is not there: nothing to remove.
    expect(ids((await patch(g.id, { op: 'remove', path: `members[value eq "${u[2]}"]` })).body)).toEqual([u[1]]);
  });

  it('remove reads an unquoted member ID in the filter, as Slack documents it', async () => {
    const { u, g } = await setup();
    const res = await patch(g.id, { op: 'remove', path: `members[value eq ${u[0]}]` });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([u[1]]);
    expect(ids((await patch(g.id, { op: 'remove', path: `members[value eq ${u[1]}]` })).body)).toEqual([]);
  });

  it('remove on members removes all of them, even when a value is sent', async () => {
    const { u, g } = await setup();
    expect((await patch(g.id, { op: 'remove', path: 'members' })).body.members).toEqual([]);
    await patch(g.id, { op: 'add', path: 'members', value: [{ value: u[0] }, { value: u[1] }] });
    const res = await patch(g.id, { op: 'remove', path: 'members', value: [{ value: u[0] }] });
    expect(res.body.members).toEqual([]);
  });

  it('replaces displayName by path or by value object', async () => {
    const { u, g } = await setup();
    expect((await patch(g.id, { op: 'replace', path: 'displayName', value: 'Renamed' })).body.displayName).toBe('Renamed');
    const res = await patch(g.id, { op: 'replace', value: { displayName: 'Again', members: [{ value: u[2] }] } });
    expect(res.body.displayName).toBe('Again');
    expect(ids(res.body)).toEqual([u[2]]);
    expect((await client.scim('GET', `/Users/${u[2]}`)).body.groups).toEqual([{ value: g.id, display: 'Again' }]);
  });

  it('applies several operations in order', async () => {
    const { u, g } = await setup();
    const res = await patch(g.id,
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ value: u[1] }, { value: u[2] }] },
      { op: 'remove', path: `members[value eq "${u[1]}"]` },
    );
    expect(ids(res.body)).toEqual([u[2]]);
  });

  it('checks added members; a failed PATCH changes nothing', async () => {
    const { u, g } = await setup();
    await client.scim('DELETE', `/Users/${u[2]}`);
    expectSlackError(await patch(g.id, { op: 'add', path: 'members', value: [{ value: u[2] }] }), 'unable_to_add_deleted_or_guest_to_group');
    expectSlackError(await patch(g.id,
      { op: 'replace', path: 'displayName', value: 'Changed' },
      { op: 'add', path: 'members', value: [{ value: 'UNOSUCHUSER' }] },
    ), 'no_such_user', 400);
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual(g);
  });

  it('refuses malformed PatchOps', async () => {
    const { g } = await setup();
    const bad = (body: unknown) => client.scim('PATCH', `/Groups/${g.id}`, body);
    expectSlackError(await bad({ Operations: [{ op: 'remove', path: 'members' }] }), 'invalid_request_payload');
    expectSlackError(await bad(patchOp()), 'invalid_request_payload');
    expectSlackError(await bad(patchOp({ op: 'frob', path: 'members' })), 'invalid_request_payload');
    expectSlackError(await bad(patchOp({ op: 'remove', path: 'displayName' })), 'invalid_request_payload');
    expectSlackError(await bad(patchOp({ op: 'replace', path: 'externalId', value: 'x' })), 'invalid_request_payload');
    expectSlackError(await bad(patchOp({ op: 'remove', path: 'members[value eq' })), 'invalid_request_payload');
    expectSlackError(await bad(patchOp({ op: 'add', path: 'members', value: [{ display: 'x' }] })), 'invalid_request_payload');
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual(g);
  });
});

describe('DELETE /Groups/:id', () => {
  it('deletes permanently (204), leaving the member accounts untouched', async () => {
    const u = await client.createUser();
    const g = await client.createGroup('Doomed', [u.id]);
    const res = await client.scim('DELETE', `/Groups/${g.id}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expectSlackError(await client.scim('GET', `/Groups/${g.id}`), 'no_such_group');
    expectSlackError(await client.scim('DELETE', `/Groups/${g.id}`), 'no_such_group');
    expect((await client.scim('GET', '/Groups')).body.totalResults).toBe(0);
    const user = (await client.scim('GET', `/Users/${u.id}`)).body;
    expect(user.active).toBe(true);
    expect(user.groups).toEqual([]);
    // The name is free again.
    await client.createGroup('Doomed');
  });
});

describe('user.groups', () => {
  it('reflects memberships on GET /Users/:id and in lists', async () => {
    const a = await client.createUser();
    const b = await client.createUser();
    const g1 = await client.createGroup('One', [a.id]);
    const g2 = await client.createGroup('Two', [a.id, b.id]);
    expect((await client.scim('GET', `/Users/${a.id}`)).body.groups).toEqual([
      { value: g1.id, display: 'One' },
      { value: g2.id, display: 'Two' },
    ]);
    const list = (await client.scim('GET', '/Users')).body.Resources;
    expect(list.map((u: { groups: unknown }) => u.groups)).toEqual([
      [{ value: g1.id, display: 'One' }, { value: g2.id, display: 'Two' }],
      [{ value: g2.id, display: 'Two' }],
    ]);
    // Also on user update responses.
    const put = await client.scim('PUT', `/Users/${b.id}`, { schemas: [SCHEMAS.user], userName: b.userName, emails: b.emails });
    expect(put.body.groups).toEqual([{ value: g2.id, display: 'Two' }]);
  });

  it('groups sent in a user update are ignored (read-only)', async () => {
    const a = await client.createUser();
    const g = await client.createGroup('G');
    const res = await client.scim('PATCH', `/Users/${a.id}`, patchOp({ op: 'add', path: 'groups', value: [{ value: g.id }] }));
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([]);
  });

  it('deactivating a user (DELETE or active:false) removes them from every group, for good', async () => {
    const a = await client.createUser();
    const b = await client.createUser();
    const c = await client.createUser();
    const g1 = await client.createGroup('One', [a.id, b.id, c.id]);
    const g2 = await client.createGroup('Two', [a.id]);
    expect((await client.scim('DELETE', `/Users/${a.id}`)).status).toBe(204);
    expect(ids((await client.scim('GET', `/Groups/${g1.id}`)).body)).toEqual([b.id, c.id]);
    expect((await client.scim('GET', `/Groups/${g2.id}`)).body.members).toEqual([]);
    expect((await client.scim('GET', `/Users/${a.id}`)).body.groups).toEqual([]);
    await client.scim('PATCH', `/Users/${b.id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    expect(ids((await client.scim('GET', `/Groups/${g1.id}`)).body)).toEqual([c.id]);
    // Reactivation does not restore memberships.
    await client.scim('PATCH', `/Users/${a.id}`, patchOp({ op: 'replace', path: 'active', value: true }));
    expect((await client.scim('GET', `/Users/${a.id}`)).body.groups).toEqual([]);
  });

  it('member display follows the user display name', async () => {
    const a = await client.createUser({ userName: 'ann' });
    const g = await client.createGroup('G', [a.id]);
    await client.scim('PATCH', `/Users/${a.id}`, patchOp({ op: 'replace', path: 'displayName', value: 'Ann B' }));
    expect((await client.scim('GET', `/Groups/${g.id}`)).body.members).toEqual([{ value: a.id, display: 'Ann B' }]);
  });
});

describe('Slack-managed groups', () => {
  it('are readable, and every write → 403 permission_denied', async () => {
    const admin = await client.createUser();
    const other = await client.createUser();
    const created = await client.control('POST', '/groups/slack-managed', { displayName: 'Team Admins', members: [admin.id] });
    expect(created.status).toBe(201);
    const g = created.body;
    expect(g).toMatchObject({ schemas: [SCHEMAS.group], displayName: 'Team Admins', members: [{ value: admin.id }] });
    expect(g.id).toMatch(/^S[A-Z0-9]{10}$/);
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual(g);
    expect((await client.scim('GET', '/Groups')).body.Resources).toEqual([g]);
    expect((await client.scim('GET', `/Users/${admin.id}`)).body.groups).toEqual([{ value: g.id, display: 'Team Admins' }]);

    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, groupBody('Team Admins', [other.id])), 'permission_denied');
    expectSlackError(await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: other.id }] })), 'permission_denied');
    expectSlackError(await client.scim('DELETE', `/Groups/${g.id}`), 'permission_denied');
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual(g);
    // Its name is taken like any other group's.
    expectSlackError(await client.scim('POST', '/Groups', groupBody('team admins')), 'group_creation_failed');
  });

  it('the control checks its body and members', async () => {
    const bad = await client.control('POST', '/groups/slack-managed', { name: 'Team Admins' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/displayName/);
    expectSlackError(await client.control('POST', '/groups/slack-managed', { displayName: 'Team Admins', members: ['UNOSUCHUSER'] }), 'no_such_user', 400);
  });
});

describe('disabled groups', () => {
  it('still read back, marked disabled:true; every write → 400 group_members_create_failed', async () => {
    const a = await client.createUser();
    const b = await client.createUser();
    const g = await client.createGroup('Contractors', [a.id]);
    expect(g.disabled).toBeUndefined();
    const disabled = await client.control('POST', `/groups/${g.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ ...g, disabled: true });
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual({ ...g, disabled: true });
    expect((await client.scim('GET', '/Groups')).body.Resources).toEqual([{ ...g, disabled: true }]);

    expectSlackError(await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: b.id }] })), 'group_members_create_failed');
    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, groupBody('Contractors', [b.id])), 'group_members_create_failed');
    expectSlackError(await client.scim('DELETE', `/Groups/${g.id}`), 'group_members_create_failed');
    // Adding it back under its name fails too: there is no SCIM way to enable it.
    expectSlackError(await client.scim('POST', '/Groups', groupBody('Contractors', [b.id])), 'group_creation_failed');
    expect((await client.scim('GET', `/Groups/${g.id}`)).body).toEqual({ ...g, disabled: true });
  });

  it('disabling an unknown group → 404 no_such_group', async () => {
    expectSlackError(await client.control('POST', '/groups/SNOSUCHGRP0/disable'), 'no_such_group');
  });
});
