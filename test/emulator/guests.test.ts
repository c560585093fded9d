import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Client, expectSlackError, groupBody, patchOp, startTestEmulator, userBody } from './helpers';
import type { RunningEmulator } from '../../emulator/server';

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => ({ emu, client } = await startTestEmulator()));
afterAll(() => emu.close());
beforeEach(() => client.reset());

const GUEST = SCHEMAS.guest;
const MEMBER_SCHEMAS = [SCHEMAS.user, SCHEMAS.enterprise, SCHEMAS.profile];

/** A POST body for a multi-channel guest. */
function guestBody(guest: Record<string, unknown> = { type: 'multi' }, overrides: Record<string, unknown> = {}) {
  return userBody({ schemas: [SCHEMAS.user, GUEST], [GUEST]: guest, ...overrides });
}

/** A PUT body keeping the user's identity, with or without the guest extension. */
function putBody(u: { userName: string; emails: unknown }, guest?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    schemas: guest ? [SCHEMAS.user, GUEST] : [SCHEMAS.user],
    userName: u.userName,
    emails: u.emails,
    ...(guest ? { [GUEST]: guest } : {}),
    ...extra,
  };
}

describe('guest extension on create', () => {
  it('creates a multi-channel guest and echoes the extension', async () => {
    const res = await client.scim('POST', '/Users', guestBody({ type: 'multi', expiration: '2030-06-30T00:00:00Z' }));
    expect(res.status).toBe(201);
    expect(res.body.schemas).toEqual([...MEMBER_SCHEMAS, GUEST]);
    expect(res.body[GUEST]).toEqual({ type: 'multi', expiration: '2030-06-30T00:00:00Z' });
    expect((await client.scim('GET', `/Users/${res.body.id}`)).body).toEqual(res.body);
    const noExpiry = await client.createUser(guestBody());
    expect(noExpiry[GUEST]).toEqual({ type: 'multi', expiration: null });
  });

  it('members carry no guest extension', async () => {
    const u = await client.createUser();
    expect(u.schemas).toEqual(MEMBER_SCHEMAS);
    expect(u[GUEST]).toBeUndefined();
  });

  it.each([
    ['a single-channel type', { type: 'single' }],
    ['no type', { expiration: '2030-01-01' }],
    ['a malformed expiration', { type: 'multi', expiration: 'next year' }],
    ['a non-string expiration', { type: 'multi', expiration: 20300101 }],
  ])('refuses %s → invalid_attribute_format', async (_label, guest) => {
    expectSlackError(await client.scim('POST', '/Users', guestBody(guest)), 'invalid_attribute_format');
  });

  it('refuses an extension that is not an object → invalid_attribute_format', async () => {
    expectSlackError(await client.scim('POST', '/Users', userBody({ schemas: [SCHEMAS.user, GUEST], [GUEST]: 'multi' })), 'invalid_attribute_format');
  });

  it('the guest URN must be listed in schemas', async () => {
    expectSlackError(await client.scim('POST', '/Users', userBody({ [GUEST]: { type: 'multi' } })), 'missing_schema_element');
  });
});

describe('conversion', () => {
  it('PATCH adding the extension makes a member a guest; removing it reverts', async () => {
    const u = await client.createUser();
    const toGuest = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: GUEST, value: { type: 'multi' } }));
    expect(toGuest.status).toBe(200);
    expect(toGuest.body[GUEST]).toEqual({ type: 'multi', expiration: null });
    expect(toGuest.body.schemas).toContain(GUEST);
    const expiry = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: `${GUEST}:expiration`, value: '2031-01-01' }));
    expect(expiry.body[GUEST]).toEqual({ type: 'multi', expiration: '2031-01-01' });
    const back = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'remove', path: GUEST }));
    expect(back.status).toBe(200);
    expect(back.body[GUEST]).toBeUndefined();
    expect(back.body.schemas).toEqual(MEMBER_SCHEMAS);
  });

  it('PATCH with a path-less value object converts too', async () => {
    const u = await client.createUser();
    const res = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', value: { [GUEST]: { type: 'multi' }, title: 'Contractor' } }));
    expect(res.body[GUEST]).toEqual({ type: 'multi', expiration: null });
    expect(res.body.title).toBe('Contractor');
    expectSlackError(await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: `${GUEST}:type`, value: 'single' })), 'invalid_attribute_format');
  });

  it('PUT with the extension makes a guest; a PUT without it makes a member again', async () => {
    const u = await client.createUser();
    expect((await client.scim('PUT', `/Users/${u.id}`, putBody(u, { type: 'multi' }))).body[GUEST]).toEqual({ type: 'multi', expiration: null });
    expect((await client.scim('PUT', `/Users/${u.id}`, putBody(u))).body[GUEST]).toBeUndefined();
  });

  it('either conversion reactivates a deactivated user', async () => {
    const u = await client.createUser();
    await client.scim('DELETE', `/Users/${u.id}`);
    const guest = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: GUEST, value: { type: 'multi' } }));
    expect(guest.body.active).toBe(true);
    await client.scim('DELETE', `/Users/${u.id}`);
    expect((await client.scim('GET', `/Users/${u.id}`)).body.active).toBe(false);
    // Even when the request itself says active:false.
    const member = await client.scim('PUT', `/Users/${u.id}`, putBody(u, undefined, { active: false }));
    expect(member.body.active).toBe(true);
    expect(member.body[GUEST]).toBeUndefined();
  });

  it('an update that keeps the guest state does not reactivate', async () => {
    const u = await client.createUser(guestBody());
    await client.scim('DELETE', `/Users/${u.id}`);
    const res = await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'title', value: 'Still away' }));
    expect(res.body.active).toBe(false);
    expect(res.body[GUEST]).toEqual({ type: 'multi', expiration: null });
  });
});

describe('guests and groups', () => {
  it('a guest cannot be added to a group (POST, PUT, PATCH)', async () => {
    const guest = await client.createUser(guestBody());
    const member = await client.createUser();
    expectSlackError(await client.scim('POST', '/Groups', groupBody('G', [member.id, guest.id])), 'unable_to_add_deleted_or_guest_to_group');
    const g = await client.createGroup('G', [member.id]);
    expectSlackError(await client.scim('PUT', `/Groups/${g.id}`, groupBody('G', [guest.id])), 'unable_to_add_deleted_or_guest_to_group');
    expectSlackError(await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: guest.id }] })), 'unable_to_add_deleted_or_guest_to_group');
  });

  it('a member who becomes a guest leaves every group; back as a member, they can be added again', async () => {
    const u = await client.createUser();
    const g = await client.createGroup('G', [u.id]);
    await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: GUEST, value: { type: 'multi' } }));
    expect((await client.scim('GET', `/Groups/${g.id}`)).body.members).toEqual([]);
    expect((await client.scim('GET', `/Users/${u.id}`)).body.groups).toEqual([]);
    await client.scim('PATCH', `/Users/${u.id}`, patchOp({ op: 'remove', path: GUEST }));
    const res = await client.scim('PATCH', `/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] }));
    expect(res.status).toBe(200);
  });
});

describe('plans', () => {
  it('defaults to Enterprise Grid; on Business+ any request carrying the guest extension → 403 cannot_make_user_guest', async () => {
    await client.createUser(guestBody()); // Enterprise Grid by default
    const existingGuest = await client.createUser(guestBody());
    const member = await client.createUser();
    const plan = await client.control('POST', '/plan', { plan: 'business_plus' });
    expect(plan.status).toBe(200);
    expect(plan.body).toEqual({ plan: 'business_plus' });

    expectSlackError(await client.scim('POST', '/Users', guestBody()), 'cannot_make_user_guest');
    expectSlackError(await client.scim('PUT', `/Users/${member.id}`, putBody(member, { type: 'multi' })), 'cannot_make_user_guest');
    expectSlackError(await client.scim('PATCH', `/Users/${member.id}`, patchOp({ op: 'add', path: GUEST, value: { type: 'multi' } })), 'cannot_make_user_guest');
    expectSlackError(await client.scim('PATCH', `/Users/${existingGuest.id}`, patchOp({ op: 'replace', path: `${GUEST}:expiration`, value: '2031-01-01' })), 'cannot_make_user_guest');
    expect((await client.scim('GET', `/Users/${member.id}`)).body[GUEST]).toBeUndefined();

    // Requests without the extension still work, including on a guest made earlier, and reverting one.
    expect((await client.scim('POST', '/Users', userBody())).status).toBe(201);
    expect((await client.scim('PATCH', `/Users/${existingGuest.id}`, patchOp({ op: 'replace', path: 'title', value: 'x' }))).status).toBe(200);
    const reverted = await client.scim('PUT', `/Users/${existingGuest.id}`, putBody(existingGuest));
    expect(reverted.status).toBe(200);
    expect(reverted.body[GUEST]).toBeUndefined();
  });

  it('reset goes back to Enterprise Grid; a bad plan body is refused', async () => {
    await client.control('POST', '/plan', { plan: 'business_plus' });
    await client.reset();
    expect((await client.scim('POST', '/Users', guestBody())).status).toBe(201);
    const bad = await client.control('POST', '/plan', { plan: 'free' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/plan/);
    await client.control('POST', '/plan', { plan: 'business_plus' });
    await client.control('POST', '/plan', { plan: 'enterprise_grid' });
    expect((await client.scim('POST', '/Users', guestBody())).status).toBe(201);
  });
});
