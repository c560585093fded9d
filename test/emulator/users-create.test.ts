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
const PROFILE = SCHEMAS.profile;
const ALL_SCHEMAS = [SCHEMAS.user, ENT, PROFILE];

describe('POST /Users', () => {
  it('creates a user like Slack: 201, U-id, lowercased userName, meta with created and location only', async () => {
    const res = await client.scim('POST', '/Users', userBody({ userName: 'JDoe', externalId: 'ext-1', password: 's3cret!' }));
    expect(res.status).toBe(201);
    const u = res.body;
    expect(u.id).toMatch(/^U[A-Z0-9]{10}$/);
    expect(u.userName).toBe('jdoe');
    expect(u.nickName).toBe('jdoe');
    expect(u.displayName).toBe('jdoe'); // falls back to userName
    expect(u.active).toBe(true);
    expect(u.groups).toEqual([]);
    expect(Object.keys(u.meta).sort()).toEqual(['created', 'location']);
    expect(u.meta.location).toBe(`${emu.baseUrl}/Users/${u.id}`);
    expect(Number.isNaN(Date.parse(u.meta.created))).toBe(false);
    expect(u.password).toBeUndefined();
    expect(u.externalId).toBe(''); // not stored on create (stricter choice)
    expect(u.schemas).toEqual(ALL_SCHEMAS);
  });

  it('converts an email userName to its local part and other specials to _', async () => {
    expect((await client.createUser({ userName: 'Jane.Doe@Example.com' })).userName).toBe('jane.doe');
    expect((await client.createUser({ userName: 'Ann Lee+x!' })).userName).toBe('ann_lee_x_');
    expect((await client.createUser({ userName: 'a.b_c-d' })).userName).toBe('a.b_c-d');
  });

  it('enforces the userName length limit (21 ok, 22 username_too_long)', async () => {
    expect((await client.createUser({ userName: 'a'.repeat(21) })).userName).toBe('a'.repeat(21));
    expectSlackError(await client.scim('POST', '/Users', userBody({ userName: 'b'.repeat(22) })), 'username_too_long');
  });

  it('refuses missing, empty and reserved userNames', async () => {
    const body = userBody();
    delete body.userName;
    expectSlackError(await client.scim('POST', '/Users', body), 'username_required');
    expectSlackError(await client.scim('POST', '/Users', userBody({ userName: '  ' })), 'username_empty');
    expectSlackError(await client.scim('POST', '/Users', userBody({ userName: 'Here' })), 'username_not_allowed');
  });

  it('refuses a userName taken by another user, case-insensitively', async () => {
    await client.createUser({ userName: 'taken' });
    expectSlackError(await client.scim('POST', '/Users', userBody({ userName: 'TAKEN' })), 'username_taken');
  });

  it('refuses a userName equal to a channel name (shared namespace)', async () => {
    expect((await client.control('POST', '/channels', { name: 'General' })).status).toBe(201);
    expectSlackError(await client.scim('POST', '/Users', userBody({ userName: 'general' })), 'username_taken');
  });

  it('refuses an email held by another user, case-insensitively, primary or secondary', async () => {
    await client.createUser({ emails: [{ value: 'one@example.com', primary: true }, { value: 'two@example.com' }] });
    expectSlackError(await client.scim('POST', '/Users', userBody({ emails: [{ value: 'ONE@example.com' }] })), 'email_taken');
    expectSlackError(await client.scim('POST', '/Users', userBody({ emails: [{ value: 'two@example.com' }] })), 'email_taken');
  });

  it('refuses an email held by a deactivated user', async () => {
    const old = await client.createUser({ emails: [{ value: 'gone@example.com' }] });
    expect((await client.scim('DELETE', `/Users/${old.id}`)).status).toBe(204);
    expectSlackError(await client.scim('POST', '/Users', userBody({ emails: [{ value: 'gone@example.com' }] })), 'email_taken');
  });

  it('requires at least one email and well-formed ones', async () => {
    const noEmails = userBody();
    delete noEmails.emails;
    expectSlackError(await client.scim('POST', '/Users', noEmails), 'missing_primary_email');
    expectSlackError(await client.scim('POST', '/Users', userBody({ emails: [] })), 'missing_primary_email');
    expectSlackError(await client.scim('POST', '/Users', userBody({ emails: [{ value: 'not-an-email' }] })), 'emails_invalid');
  });

  it('validates displayName: 80 max, no leading @, only allowed specials', async () => {
    expect((await client.createUser({ displayName: 'x'.repeat(80) })).displayName).toBe('x'.repeat(80));
    const allowed = "Zoë O'Brien-Smith {x} [y], a/b; c.d_e";
    expect((await client.createUser({ displayName: allowed })).displayName).toBe(allowed);
    expectSlackError(await client.scim('POST', '/Users', userBody({ displayName: 'x'.repeat(81) })), 'invalid_name_maxlength');
    expectSlackError(await client.scim('POST', '/Users', userBody({ displayName: '@jane' })), 'invalid_starts_with_at');
    expectSlackError(await client.scim('POST', '/Users', userBody({ displayName: 'jane@home' })), 'invalid_name_specials');
    expectSlackError(await client.scim('POST', '/Users', userBody({ displayName: 'jane!' })), 'invalid_name_specials');
  });

  it('refuses blank given and family names, and nickNames over 21', async () => {
    expectSlackError(await client.scim('POST', '/Users', userBody({ name: { givenName: ' ', familyName: '' } })), 'invalid_name_required');
    expectSlackError(await client.scim('POST', '/Users', userBody({ nickName: 'n'.repeat(22) })), 'long_nickname');
  });

  it('requires the core schema, and extension URNs in schemas when extensions are sent', async () => {
    expectSlackError(await client.scim('POST', '/Users', userBody({ schemas: undefined })), 'missing_schema_element');
    expectSlackError(await client.scim('POST', '/Users', userBody({ [ENT]: { department: 'R&D' } })), 'missing_schema_element');
  });

  it('refuses a manager without managerId', async () => {
    const res = await client.scim('POST', '/Users', userBody({ schemas: ALL_SCHEMAS, [ENT]: { manager: { displayName: 'Boss' } } }));
    expectSlackError(res, 'improper_enterprise_schema_format');
  });

  it('refuses malformed multi-valued attributes', async () => {
    expectSlackError(await client.scim('POST', '/Users', userBody({ phoneNumbers: 'x' })), 'phoneNumbers_invalid');
    expectSlackError(await client.scim('POST', '/Users', userBody({ addresses: ['x'] })), 'addresses_invalid');
    expectSlackError(await client.scim('POST', '/Users', userBody({ photos: [{ value: 'not a url' }] })), 'photos_invalid');
    expectSlackError(await client.scim('POST', '/Users', userBody({ roles: [{ value: 3 }] })), 'roles_invalid');
  });
});

describe('storage rules', () => {
  it('keeps primary (primary:true) and one secondary email, echoing only value and primary', async () => {
    const u = await client.createUser({
      emails: [
        { value: 'a@example.com', type: 'home' },
        { value: 'b@example.com', type: 'work', primary: true },
        { value: 'c@example.com', type: 'other' },
      ],
    });
    expect(u.emails).toEqual([{ value: 'b@example.com', primary: true }, { value: 'a@example.com', primary: false }]);
  });

  it('without a primary flag picks type work, else array order', async () => {
    const work = await client.createUser({ emails: [{ value: 'h@example.com', type: 'home' }, { value: 'w@example.com', type: 'work' }] });
    expect(work.emails[0]).toEqual({ value: 'w@example.com', primary: true });
    const order = await client.createUser({ emails: [{ value: 'first@example.com' }, { value: 'second@example.com' }] });
    expect(order.emails).toEqual([{ value: 'first@example.com', primary: true }, { value: 'second@example.com', primary: false }]);
  });

  it('stores two phones: mobile → primaryPhone, work or primary:false → mobilePhone', async () => {
    const u = await client.createUser({
      phoneNumbers: [
        { value: '+1 555 0001', type: 'work' },
        { value: '+1 555 0002', type: 'mobile' },
        { value: '+1 555 0003', type: 'fax' },
      ],
    });
    expect(u.phoneNumbers).toEqual([
      { value: '+1 555 0002', type: 'mobile', primary: true },
      { value: '+1 555 0001', type: 'work', primary: false },
    ]);
    const byFlag = await client.createUser({ phoneNumbers: [{ value: '+1 555 0004', primary: false }] });
    expect(byFlag.phoneNumbers).toEqual([{ value: '+1 555 0004', type: 'work', primary: false }]);
  });

  it('stores one address (primary, else first) without its type', async () => {
    const u = await client.createUser({
      addresses: [
        { type: 'home', streetAddress: '1 Home St', locality: 'Lyon' },
        { type: 'work', streetAddress: '2 Work Ave', locality: 'Paris', country: 'FR', primary: true },
      ],
    });
    expect(u.addresses).toEqual([{ streetAddress: '2 Work Ave', locality: 'Paris', region: null, postalCode: null, country: 'FR', primary: true }]);
    const first = await client.createUser({ addresses: [{ streetAddress: '1 A St' }, { streetAddress: '2 B St' }] });
    expect(first.addresses[0].streetAddress).toBe('1 A St');
  });

  it('stores one photo, one role, title, timezone and the extensions', async () => {
    const u = await client.createUser({
      schemas: ALL_SCHEMAS,
      title: 'Engineer',
      timezone: 'Europe/Paris',
      userType: 'Employee',
      photos: [{ value: 'https://example.com/a.png' }, { value: 'https://example.com/b.png', primary: true }],
      roles: [{ value: 'admin' }, { value: 'dev' }],
      [ENT]: { employeeNumber: '42', department: 'R&D', manager: { managerId: 'UBOSS00001' } },
      [PROFILE]: { startDate: '2024-03-01' },
    });
    expect(u.title).toBe('Engineer');
    expect(u.timezone).toBe('Europe/Paris');
    expect(u.userType).toBe('Employee');
    expect(u.photos).toEqual([{ value: 'https://example.com/b.png', type: 'photo' }]);
    expect(u.roles).toEqual([{ value: 'admin', primary: true }]);
    expect(u[ENT]).toEqual({
      employeeNumber: '42', costCenter: null, organization: null, division: null, department: 'R&D', manager: { managerId: 'UBOSS00001' },
    });
    expect(u[PROFILE]).toEqual({ startDate: '2024-03-01' });
  });

  it('shows never-set attributes as nulls (multi-valued: one element of nulls)', async () => {
    const u = await client.createUser();
    expect(u.title).toBeNull();
    expect(u.phoneNumbers).toEqual([{ value: null, type: null, primary: null }]);
    expect(u.addresses).toEqual([{ streetAddress: null, locality: null, region: null, postalCode: null, country: null, primary: null }]);
    expect(u.photos).toEqual([{ value: null, type: null }]);
    expect(u.roles).toEqual([{ value: null, primary: null }]);
    expect(u[ENT].manager).toEqual({ managerId: null });
  });
});

describe('custom profile fields', () => {
  const fullProfile = (startDate: unknown, userType: unknown = 'Employee') => ({
    schemas: ALL_SCHEMAS,
    userName: 'profiled',
    displayName: 'Pro Filed',
    name: { givenName: 'Pro', familyName: 'Filed' },
    emails: [{ value: 'pro@example.com' }],
    title: 'Boss',
    userType,
    phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
    addresses: [{ streetAddress: '1 Main St' }],
    photos: [{ value: 'https://example.com/p.png' }],
    [ENT]: { department: 'Sales' },
    [PROFILE]: { startDate },
  });

  it.each([
    ['startDate not ISO 8601', fullProfile('next monday')],
    ['a custom value that is not a string', fullProfile('2024-01-01', 7)],
    ['a custom value over 256 characters', fullProfile('2024-01-01', 'x'.repeat(257))],
  ])('on create with %s, the user is created without any profile field', async (_label, body) => {
    const res = await client.scim('POST', '/Users', body);
    expect(res.status).toBe(201);
    const u = res.body;
    expect([u.userName, u.displayName, u.name.givenName, u.emails[0].value, u.active]).toEqual(['profiled', 'Pro Filed', 'Pro', 'pro@example.com', true]);
    expect(u.title).toBeNull();
    expect(u.userType).toBeNull();
    expect(u.phoneNumbers[0].value).toBeNull();
    expect(u.addresses[0].streetAddress).toBeNull();
    expect(u.photos[0].value).toBeNull();
    expect(u[ENT].department).toBeNull();
    expect(u[PROFILE].startDate).toBeNull();
  });

  it('refuses an invalid custom profile value on update', async () => {
    const u = await client.createUser({ schemas: ALL_SCHEMAS });
    const res = await client.scim('PUT', `/Users/${u.id}`, { ...userBody({ userName: u.userName, emails: u.emails }), schemas: ALL_SCHEMAS, [PROFILE]: { startDate: 'soon' } });
    expectSlackError(res, 'invalid_attribute_format');
  });

  it('refuses a change that would take the team over 50 custom fields', async () => {
    expect((await client.control('POST', '/profile-fields', { count: 49 })).status).toBe(200);
    // Two new fields (userType, department) → 51.
    const two = userBody({ schemas: ALL_SCHEMAS, userType: 'Employee', [ENT]: { department: 'Ops' } });
    expectSlackError(await client.scim('POST', '/Users', two), 'unable_to_create_team_profile_fields');
    // One new field → exactly 50.
    await client.createUser({ userType: 'Employee' });
    // An existing field is no new field.
    const again = await client.createUser({ userType: 'Contractor' });
    // Any further field, on create or update, is refused.
    expectSlackError(await client.scim('POST', '/Users', userBody({ locale: 'fr-FR' })), 'unable_to_create_team_profile_fields');
    const patch = { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'add', path: 'preferredLanguage', value: 'fr' }] };
    expectSlackError(await client.scim('PATCH', `/Users/${again.id}`, patch), 'unable_to_create_team_profile_fields');
  });

  it('rejects a bad profile-fields control body', async () => {
    expect((await client.control('POST', '/profile-fields', { count: 51 })).status).toBe(400);
    const res = await client.control('POST', '/profile-fields', { count: 'many' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/count/);
  });
});
