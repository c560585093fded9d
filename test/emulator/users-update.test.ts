import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Client, expectSlackError, startTestEmulator, userBody } from './helpers';
import type { RunningEmulator } from '../../emulator/server';

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => ({ emu, client } = await startTestEmulator()));
afterAll(() => emu.close());
beforeEach(() => client.reset());

const ENT = SCHEMAS.enterprise;
const ALL_SCHEMAS = [SCHEMAS.user, ENT, SCHEMAS.profile];

function patchOp(...Operations: unknown[]) {
  return { schemas: [SCHEMAS.patchOp], Operations };
}

/** A user with most attributes set, to see what updates keep or blank. */
function richUser(): Record<string, unknown> {
  return userBody({
    schemas: ALL_SCHEMAS,
    userName: 'rich',
    displayName: 'Rich Person',
    title: 'CTO',
    emails: [{ value: 'rich@example.com', primary: true }, { value: 'rich2@example.com' }],
    phoneNumbers: [{ value: '+1 555 0001', type: 'mobile' }, { value: '+1 555 0002', type: 'work' }],
    addresses: [{ streetAddress: '1 Main St', locality: 'Paris' }],
    [ENT]: { department: 'R&D', manager: { managerId: 'UBOSS00001' } },
  });
}

describe('GET /Users/:id and unknown ids', () => {
  it('returns the user', async () => {
    const u = await client.createUser();
    const res = await client.scim('GET', `/Users/${u.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(u);
  });

  it.each(['GET', 'PUT', 'PATCH', 'DELETE'])('%s on an unknown id → 404 no_such_user', async (method) => {
    const body = method === 'PUT' ? userBody() : method === 'PATCH' ? patchOp({ op: 'replace', path: 'title', value: 'x' }) : undefined;
    expectSlackError(await client.scim(method, '/Users/UNOSUCHUSER', body), 'no_such_user');
  });
});

describe('PUT /Users/:id', () => {
  it('overwrites everything: omitted attributes become blank', async () => {
    const u = await client.createUser(richUser());
    const res = await client.scim('PUT', `/Users/${u.id}`, {
      schemas: [SCHEMAS.user],
      userName: 'rich',
      emails: [{ value: 'rich@example.com' }],
    });
    expect(res.status).toBe(200);
    const v = res.body;
    expect(v.displayName).toBe('rich'); // back to the userName fallback
    expect(v.title).toBeNull();
    expect(v.name).toEqual({ givenName: null, familyName: null, honorificPrefix: null });
    expect(v.emails).toEqual([{ value: 'rich@example.com', primary: true }]);
    expect(v.phoneNumbers).toEqual([{ value: null, type: null, primary: null }]);
    expect(v.addresses[0].streetAddress).toBeNull();
    expect(v[ENT].department).toBeNull();
    expect(v[ENT].manager).toEqual({ managerId: null });
    expect(v.active).toBe(true); // an omitted active keeps the state
    expect((await client.scim('GET', `/Users/${u.id}`)).body).toEqual(v);
  });

  it('frees the secondary email it drops and checks the new userName', async () => {
    const u = await client.createUser(richUser());
    await client.createUser({ userName: 'other' });
    const put = (userName: string) => client.scim('PUT', `/Users/${u.id}`, { schemas: [SCHEMAS.user], userName, emails: [{ value: 'rich@example.com' }] });
    expectSlackError(await put('Other'), 'username_taken');
    expect((await put('rich')).status).toBe(200); // its own name is fine
    await client.createUser({ emails: [{ value: 'rich2@example.com' }] });
  });

  it('cannot change externalId or the password, nor drop every email', async () => {
    const u = await client.createUser();
    const base = { schemas: [SCHEMAS.user], userName: u.userName, emails: u.emails };
    expectSlackError(await client.scim('PUT', `/Users/${u.id}`, { ...base, externalId: 'new-ext' }), 'invalid_request_payload');
    expect((await client.scim('PUT', `/Users/${u.id}`, { ...base, externalId: '' })).status).toBe(200);
    expectSlackError(await client.scim('PUT', `/Users/${u.id}`, { ...base, password: 'n3w!' }), 'password_change_not_allowed');
    expectSlackError(await client.scim('PUT', `/Users/${u.id}`, { ...base, emails: undefined }), 'missing_primary_email');
  });

  it('reactivates with active:true', async () => {
    const u = await client.createUser();
    await client.scim('DELETE', `/Users/${u.id}`);
    const res = await client.scim('PUT', `/Users/${u.id}`, { schemas: [SCHEMAS.user], userName: u.userName, emails: u.emails, active: true });
    expect(res.body.active).toBe(true);
  });
});

describe('PATCH /Users/:id', () => {
  it('add sets a value and appends to multi-valued attributes', async () => {
    const u = await client.createUser({ phoneNumbers: [{ value: '+1 555 0001', type: 'mobile' }] });
    const res = await client.scim('PATCH', `/Users/${u.id}`, patchOp(
      { op: 'add', path: 'title', value: 'Lead' },
      { op: 'add', path: 'phoneNumbers', value: [{ value: '+1 555 0002', type: 'work' }] },
    ));
    expect(res.status).toBe(200);
    expect(res.body.title).toBe('Lead');
    expect(res.body.phoneNumbers).toEqual([
      { value: '+1 555 0001', type: 'mobile', primary: true },
      { value: '+1 555 0002', type: 'work', primary: false },
    ]);
    expect(res.body.name).toEqual(u.name); // untouched attributes stay
  });

  it('replace changes only the given attributes, including extension paths', async () => {
    const u = await client.createUser(richUser());
    const res = await client.scim('PATCH', `/Users/${u.id}`, patchOp(
      { op: 'replace', path: 'displayName', value: 'Rich P.' },
      { op: 'replace', path: 'emails[primary eq true].value', value: 'new-rich@example.com' },
      { op: 'Replace', path: `${ENT}:department`, value: 'Sales' },
      { op: 'replace', value: { title: 'CEO' } },
    ));
    expect(res.status).toBe(200);
    const v = res.body;
    expect(v.displayName).toBe('Rich P.');
    expect(v.emails).toEqual([{ value: 'new-rich@example.com', primary: true }, { value: 'rich2@example.com', primary: false }]);
    expect(v[ENT].department).toBe('Sales');
    expect(v[ENT].manager).toEqual({ managerId: 'UBOSS00001' });
    expect(v.title).toBe('CEO');
    expect(v.phoneNumbers).toEqual(u.phoneNumbers);
    // The old email is free again, the new one is taken.
    expectSlackError(await client.scim('POST', '/Users', userBody({ emails: [{ value: 'new-rich@example.com' }] })), 'email_taken');
    await client.createUser({ emails: [{ value: 'rich@example.com' }] });
  });

  it('remove blanks an attribute or one value of a multi-valued attribute', async () => {
    const u = await client.createUser(richUser());
    const res = await client.scim('PATCH', `/Users/${u.id}`, patchOp(
      { op: 'remove', path: 'title' },
      { op: 'remove', path: 'phoneNumbers[type eq "work"]' },
      { op: 'remove', path: `${ENT}:manager` },
    ));
    expect(res.status).toBe(200);
    expect(res.body.title).toBeNull();
    expect(res.body.phoneNumbers).toEqual([{ value: '+1 555 0001', type: 'mobile', primary: true }]);
    expect(res.body[ENT].manager).toEqual({ managerId: null });
    expect(res.body[ENT].department).toBe('R&D');
  });

  it('addresses a whole extension by its URN (path, or key of a path-less value)', async () => {
    const u = await client.createUser(richUser());
    const merged = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', value: { [ENT]: { division: 'EMEA' }, title: 'VP' } }));
    expect(merged.status).toBe(200);
    expect(merged.body[ENT]).toMatchObject({ division: 'EMEA', department: 'R&D', manager: { managerId: 'UBOSS00001' } });
    expect(merged.body.title).toBe('VP');
    const replaced = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: ENT, value: { costCenter: 'CC1' } }));
    expect(replaced.body[ENT]).toMatchObject({ costCenter: 'CC1', department: null, division: null, manager: { managerId: null } });
    const removed = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'remove', path: ENT }));
    expect(removed.body[ENT].costCenter).toBeNull();
    expectSlackError(await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: ENT, value: 'x' })), 'invalid_request_payload');
  });

  it('cannot remove the primary email', async () => {
    const u = await client.createUser();
    expectSlackError(await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'remove', path: 'emails' })), 'missing_primary_email');
  });

  it('cannot change password, externalId or profileUrl', async () => {
    const u = await client.createUser({ profileUrl: 'https://example.com/me' });
    const patch = (path: string, value: string) => client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path, value }));
    expectSlackError(await patch('password', 'n3w!'), 'password_change_not_allowed');
    expectSlackError(await patch('externalId', 'ext'), 'invalid_request_payload');
    expectSlackError(await patch('profileUrl', 'https://example.com/other'), 'invalid_request_payload');
  });

  it('re-validates the patched user', async () => {
    const u = await client.createUser();
    const patch = (path: string, value: unknown) => client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path, value }));
    expectSlackError(await patch('userName', 'x'.repeat(22)), 'username_too_long');
    expectSlackError(await patch('displayName', '@me'), 'invalid_starts_with_at');
    expectSlackError(await patch(`${ENT}:manager`, { displayName: 'Boss' }), 'improper_enterprise_schema_format');
    expectSlackError(await patch('active', 'False'), 'invalid_attribute_format');
    expect((await client.scim('GET', `/Users/${u.id}`)).body).toEqual(u); // nothing applied
  });

  it('a changed nickName renames the user', async () => {
    const u = await client.createUser();
    const res = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'nickName', value: 'NewNick' }));
    expect([res.body.userName, res.body.nickName, res.body.displayName]).toEqual(['newnick', 'newnick', 'newnick']);
  });

  it('deactivates and reactivates with active', async () => {
    const u = await client.createUser();
    const off = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    expect(off.body.active).toBe(false);
    const on = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: true }));
    expect(on.body.active).toBe(true);
  });

  it('refuses a malformed PatchOp body', async () => {
    const u = await client.createUser();
    expectSlackError(await client.scim('PATCH', `/Users/${u.id}`, { Operations: [] }), 'invalid_request_payload');
    expectSlackError(await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'frob', path: 'title', value: 'x' })), 'invalid_request_payload');
  });
});

describe('PATCH: the forms Slack documents', () => {
  const patch = (id: string, ...ops: unknown[]) => client.scim('PATCH', `/Users/${id}`, patchOp(...ops));

  it('removing manager.managerId (the dot form) removes the manager', async () => {
    const u = await client.createUser(richUser());
    const res = await patch(u.id, { op: 'remove', path: `${ENT}:manager.managerId` });
    expect(res.status).toBe(200);
    expect(res.body[ENT].manager).toEqual({ managerId: null });
    expect(res.body[ENT].department).toBe('R&D');
    expect((await client.scim('GET', `/Users/${u.id}`)).body[ENT].manager).toEqual({ managerId: null });
    // Setting it by the same path still works.
    expect((await patch(u.id, { op: 'replace', path: `${ENT}:manager.managerId`, value: 'UBOSS00002' })).body[ENT].manager).toEqual({ managerId: 'UBOSS00002' });
  });

  it('remove on emails removes the secondary and keeps the primary', async () => {
    const u = await client.createUser(richUser());
    const res = await patch(u.id, { op: 'remove', path: 'emails' });
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ value: 'rich@example.com', primary: true }]);
    // The secondary is free again; with only the primary left, there is nothing Slack can remove.
    await client.createUser({ emails: [{ value: 'rich2@example.com' }] });
    expectSlackError(await patch(u.id, { op: 'remove', path: 'emails' }), 'missing_primary_email');
  });

  it('a filtered remove may take the secondary email, never the primary', async () => {
    const u = await client.createUser(richUser());
    expectSlackError(await patch(u.id, { op: 'remove', path: 'emails[primary eq true]' }), 'missing_primary_email');
    expectSlackError(await patch(u.id, { op: 'remove', path: 'emails[primary eq true].value' }), 'missing_primary_email');
    expect((await client.scim('GET', `/Users/${u.id}`)).body).toEqual(u);
    const res = await patch(u.id, { op: 'remove', path: 'emails[value eq "rich2@example.com"]' });
    expect(res.body.emails).toEqual([{ value: 'rich@example.com', primary: true }]);
  });

  it('add takes one object instead of an array for phoneNumbers and addresses', async () => {
    const u = await client.createUser();
    const res = await patch(u.id,
      { op: 'add', path: 'phoneNumbers', value: { value: '+1 555 0007', type: 'work' } },
      { op: 'add', path: 'addresses', value: { streetAddress: '9 Elm St', locality: 'Oslo' } },
    );
    expect(res.status).toBe(200);
    expect(res.body.phoneNumbers).toEqual([{ value: '+1 555 0007', type: 'work', primary: false }]);
    expect(res.body.addresses).toEqual([{ streetAddress: '9 Elm St', locality: 'Oslo', region: null, postalCode: null, country: null, primary: true }]);
    const more = await patch(u.id, { op: 'add', value: { phoneNumbers: { value: '+1 555 0008', type: 'mobile' } } });
    expect(more.body.phoneNumbers).toEqual([
      { value: '+1 555 0008', type: 'mobile', primary: true },
      { value: '+1 555 0007', type: 'work', primary: false },
    ]);
  });

  it('an address added as primary replaces the stored one', async () => {
    const u = await client.createUser(richUser());
    const res = await patch(u.id, { op: 'add', path: 'addresses', value: { streetAddress: '2 New Rd', locality: 'Rome', primary: true } });
    expect(res.body.addresses).toEqual([{ streetAddress: '2 New Rd', locality: 'Rome', region: null, postalCode: null, country: null, primary: true }]);
  });

  it('takes roles as plain strings as well as objects', async () => {
    const u = await client.createUser();
    expect((await patch(u.id, { op: 'add', path: 'roles', value: ['admin'] })).body.roles).toEqual([{ value: 'admin', primary: true }]);
    expect((await patch(u.id, { op: 'replace', path: 'roles', value: 'owner' })).body.roles).toEqual([{ value: 'owner', primary: true }]);
    expect((await patch(u.id, { op: 'replace', value: { roles: ['lead'] } })).body.roles).toEqual([{ value: 'lead', primary: true }]);
    expect((await patch(u.id, { op: 'replace', path: 'roles', value: [{ value: 'dev', primary: true }] })).body.roles).toEqual([{ value: 'dev', primary: true }]);
    expectSlackError(await patch(u.id, { op: 'replace', path: 'roles', value: [3] }), 'roles_invalid');
  });
});

describe('phone types', () => {
  // Spec §3: in a request type "mobile" targets primaryPhone, type "work" or primary:false mobilePhone.
  const phones = [{ value: '+1 555 0001', type: 'mobile' }, { value: '+1 555 0002', type: 'work' }];

  it('a number reads back with the type it was sent with', async () => {
    const u = await client.createUser({ phoneNumbers: [...phones].reverse() });
    expect(u.phoneNumbers).toEqual([
      { value: '+1 555 0001', type: 'mobile', primary: true },
      { value: '+1 555 0002', type: 'work', primary: false },
    ]);
  });

  it('sending the phones back as read moves nothing (PUT and PATCH)', async () => {
    const u = await client.createUser({ phoneNumbers: phones });
    const put = await client.scim('PUT', `/Users/${u.id}`, { schemas: [SCHEMAS.user], userName: u.userName, emails: u.emails, phoneNumbers: u.phoneNumbers });
    expect(put.body.phoneNumbers).toEqual(u.phoneNumbers);
    const replaced = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'phoneNumbers', value: u.phoneNumbers }));
    expect(replaced.body.phoneNumbers).toEqual(u.phoneNumbers);
    // Each type addresses the number sent with it.
    const work = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0003' }));
    expect(work.body.phoneNumbers).toEqual([
      { value: '+1 555 0001', type: 'mobile', primary: true },
      { value: '+1 555 0003', type: 'work', primary: false },
    ]);
  });
});

describe('DELETE /Users/:id', () => {
  it('deactivates (204), is idempotent, and the user stays readable', async () => {
    const u = await client.createUser();
    const first = await client.scim('DELETE', `/Users/${u.id}`);
    expect(first.status).toBe(204);
    expect(first.body).toBeUndefined();
    expect((await client.scim('DELETE', `/Users/${u.id}`)).status).toBe(204);
    const res = await client.scim('GET', `/Users/${u.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...u, active: false });
  });
});
