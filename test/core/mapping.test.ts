import { describe, expect, it } from 'vitest';
import { DirectoryUserFields, type DirectoryUser, type DirectoryUserInput } from '../../core/directory';
import { DEFAULT_COMPARE, USER_MAPPING, diffScimUser as diffWith, toScimUser } from '../../core/mapping';
import { ScimUser, type ScimUserPayload } from '../../core/scim-user';
import { SCHEMAS } from '../../targets/slack/facts';
import { SLACK_COMPARE } from '../../targets/slack/mapping';

/** The seed's table as Slack compares it (targets/slack/mapping.ts). */
const diffScimUser = (desired: ScimUserPayload, actual: ScimUser, options: { sendDisplayName?: boolean } = {}) => diffWith(desired, actual, { ...options, compare: SLACK_COMPARE });

const ENT = SCHEMAS.enterprise;

function user(overrides: Partial<DirectoryUserInput> & { id?: string; password?: string } = {}): DirectoryUser {
  const { id = 'dir-1', password, ...fields } = overrides;
  const parsed = DirectoryUserFields.parse({ username: 'ada', email: 'ada@example.test', ...fields });
  return password === undefined ? { ...parsed, id } : { ...parsed, id, password };
}

const full = (): DirectoryUser =>
  user({
    username: 'ada',
    email: 'Ada@Example.test',
    firstName: 'Ada',
    middleName: 'King',
    lastName: 'Lovelace',
    displayName: 'ada.l',
    jobTitle: 'Analyst',
    location: 'London HQ',
    addresses: [{ type: 'work', streetAddress: '1 Main St', locality: 'London', region: 'LDN', postalCode: 'N1', country: 'GB' }],
    phoneNumbers: [{ type: 'mobile', value: '+44 1' }, { type: 'work', value: '+44 2' }],
    employeeIdentifier: 'E-42',
    department: 'Research',
    company: 'Engines Ltd',
  });

/** What Slack would answer for a user created from `p`: lowercased userName, no types echoed, nulls for unset. */
function asSlack(p: ScimUserPayload, extra: Record<string, unknown> = {}): ScimUser {
  const ent = p[ENT];
  return ScimUser.parse({
    schemas: p.schemas,
    id: 'U123',
    externalId: '',
    userName: p.userName.toLowerCase(),
    nickName: p.userName.toLowerCase(),
    name: { givenName: p.name?.givenName ?? null, familyName: p.name?.familyName ?? null, middleName: p.name?.middleName ?? null, honorificPrefix: null },
    displayName: p.displayName ?? p.userName.toLowerCase(),
    title: p.title ?? null,
    active: p.active ?? true,
    emails: p.emails.map((e) => ({ value: e.value, primary: e.primary ?? false })),
    phoneNumbers: (p.phoneNumbers ?? []).slice(0, 2).map((n) => ({ value: n.value, type: n.type })),
    addresses: p.addresses?.length
      ? p.addresses.slice(0, 1).map(({ type: _t, ...a }) => ({ streetAddress: null, locality: null, region: null, postalCode: null, country: null, ...a }))
      : [{ streetAddress: null, locality: null, region: null, postalCode: null, country: null }],
    photos: [],
    groups: [],
    [ENT]: ent ? { employeeNumber: null, department: null, organization: null, ...ent } : undefined,
    meta: { created: '2024-01-01T00:00:00', location: 'https://slack.test/scim/v2/Users/U123' },
    ...extra,
  });
}

describe('USER_MAPPING table', () => {
  it('has one row per line of the seed table, plus marked extras', () => {
    const seed = USER_MAPPING.filter((r) => !r.extra);
    expect(seed.map((r) => r.directory)).toEqual([
      'id', 'username', 'password', 'firstName', 'lastName', 'middleName', 'displayName', 'email',
      '!suspended && !passwordExpired', 'jobTitle', 'meta.location',
      'addresses[].type', 'addresses[].streetAddress', 'addresses[].locality', 'addresses[].region', 'addresses[].postalCode', 'addresses[].country',
      'phoneNumbers[].type', 'phoneNumbers[].value',
      'employeeIdentifier', 'department', 'company',
    ]);
    expect(new Set(USER_MAPPING.map((r) => r.scim)).size).toBe(USER_MAPPING.length);
    for (const r of USER_MAPPING) expect(r.note.length).toBeGreaterThan(0);
  });

  it('keeps the location row but never sends it', () => {
    const row = USER_MAPPING.find((r) => r.directory === 'meta.location');
    expect(row?.sync).toBe('never');
    expect(JSON.stringify(toScimUser(full()))).not.toContain('London HQ');
  });
});

describe('toScimUser: each row lands at its SCIM path', () => {
  const p = toScimUser(full());
  it.each<[string, (p: ScimUserPayload) => unknown, unknown]>([
    ['externalId ← id', (p) => p.externalId, 'dir-1'],
    ['userName ← username', (p) => p.userName, 'ada'],
    ['name.givenName ← firstName', (p) => p.name?.givenName, 'Ada'],
    ['name.familyName ← lastName', (p) => p.name?.familyName, 'Lovelace'],
    ['name.middleName ← middleName', (p) => p.name?.middleName, 'King'],
    ['emails ← email (primary work)', (p) => p.emails, [{ type: 'work', primary: true, value: 'Ada@Example.test' }]],
    ['active ← !suspended && !passwordExpired', (p) => p.active, true],
    ['title ← jobTitle', (p) => p.title, 'Analyst'],
    ['addresses ← addresses (with type)', (p) => p.addresses, [{ type: 'work', streetAddress: '1 Main St', locality: 'London', region: 'LDN', postalCode: 'N1', country: 'GB' }]],
    ['phoneNumbers ← phoneNumbers', (p) => p.phoneNumbers, [{ type: 'mobile', value: '+44 1' }, { type: 'work', value: '+44 2' }]],
    ['enterprise employeeNumber ← employeeIdentifier', (p) => p[ENT]?.employeeNumber, 'E-42'],
    ['enterprise department ← department', (p) => p[ENT]?.department, 'Research'],
    ['enterprise organization ← company', (p) => p[ENT]?.organization, 'Engines Ltd'],
    ['schemas lists the enterprise URN', (p) => p.schemas, [SCHEMAS.user, ENT]],
  ])('%s', (_name, get, expected) => {
    expect(get(p)).toEqual(expected);
  });

  it('sends displayName only with sendDisplayName', () => {
    expect(toScimUser(full()).displayName).toBeUndefined();
    expect(toScimUser(full(), { sendDisplayName: true }).displayName).toBe('ada.l');
  });

  it('sends the password only when a cleartext one is present', () => {
    expect(toScimUser(user()).password).toBeUndefined();
    expect(toScimUser(user({ password: '' })).password).toBeUndefined();
    expect(toScimUser(user({ password: 's3cret!' })).password).toBe('s3cret!');
  });

  it.each([
    [false, false, true],
    [true, false, false],
    [false, true, false],
    [true, true, false],
  ])('active: suspended=%s passwordExpired=%s → %s', (suspended, passwordExpired, active) => {
    expect(toScimUser(user({ suspended, passwordExpired })).active).toBe(active);
  });

  it('leaves blank attributes and the enterprise extension out', () => {
    const p = toScimUser(user());
    expect(p).toEqual({
      schemas: [SCHEMAS.user],
      externalId: 'dir-1',
      userName: 'ada',
      emails: [{ type: 'work', primary: true, value: 'ada@example.test' }],
      active: true,
    });
  });

  it('keeps each address and phone number whole, skipping blank ones, and passes primary flags', () => {
    const p = toScimUser(
      user({
        addresses: [{ type: 'home' }, {}, { type: 'work', locality: 'Paris', primary: true }],
        phoneNumbers: [{ value: '+33 1', type: 'work', primary: false }],
      }),
    );
    expect(p.addresses).toEqual([{ type: 'home' }, { type: 'work', locality: 'Paris', primary: true }]);
    expect(p.phoneNumbers).toEqual([{ value: '+33 1', type: 'work', primary: false }]);
  });

  it('lists the enterprise URN as soon as one enterprise field is present', () => {
    const p = toScimUser(user({ department: 'Ops' }));
    expect(p.schemas).toEqual([SCHEMAS.user, ENT]);
    expect(p[ENT]).toEqual({ department: 'Ops' });
  });
});

describe('diffScimUser with Slack\'s comparisons', () => {
  it('finds nothing to do when Slack matches the directory', () => {
    expect(diffScimUser(toScimUser(full()), asSlack(toScimUser(full())))).toEqual([]);
    expect(diffScimUser(toScimUser(user()), asSlack(toScimUser(user())))).toEqual([]);
  });

  it.each<[string, Partial<DirectoryUserInput>, string, unknown]>([
    ['username', { username: 'ada2' }, 'userName', 'ada2'],
    ['firstName', { firstName: 'Augusta' }, 'name.givenName', 'Augusta'],
    ['lastName', { lastName: 'Byron' }, 'name.familyName', 'Byron'],
    ['middleName', { middleName: 'Ada' }, 'name.middleName', 'Ada'],
    ['email', { email: 'new@example.test' }, 'emails', [{ type: 'work', primary: true, value: 'new@example.test' }]],
    ['suspended', { suspended: true }, 'active', false],
    ['passwordExpired', { passwordExpired: true }, 'active', false],
    ['jobTitle', { jobTitle: 'Lead' }, 'title', 'Lead'],
    ['addresses', { addresses: [{ type: 'work', streetAddress: '2 Main St', locality: 'London', region: 'LDN', postalCode: 'N1', country: 'GB' }] }, 'addresses',
      [{ type: 'work', streetAddress: '2 Main St', locality: 'London', region: 'LDN', postalCode: 'N1', country: 'GB' }]],
    ['phoneNumbers', { phoneNumbers: [{ type: 'mobile', value: '+44 9' }, { type: 'work', value: '+44 2' }] }, 'phoneNumbers',
      [{ type: 'mobile', value: '+44 9' }, { type: 'work', value: '+44 2' }]],
    ['employeeIdentifier', { employeeIdentifier: 'E-43' }, `${ENT}:employeeNumber`, 'E-43'],
    ['department', { department: 'Ops' }, `${ENT}:department`, 'Ops'],
    ['company', { company: 'Other Ltd' }, `${ENT}:organization`, 'Other Ltd'],
  ])('a changed %s gives exactly one replace', (_name, change, path, value) => {
    const actual = asSlack(toScimUser(full()));
    const desired = toScimUser({ ...full(), ...(change as Partial<DirectoryUser>) });
    expect(diffScimUser(desired, actual)).toEqual([{ op: 'replace', path, value }]);
  });

  it('ignores case in userName and email, and treats blank as null', () => {
    const desired = toScimUser(user({ username: 'Ada', email: 'ADA@EXAMPLE.TEST' }));
    const actual = asSlack(toScimUser(user()), { title: null, name: { givenName: null, familyName: '', middleName: null } });
    expect(diffScimUser(desired, actual)).toEqual([]);
  });

  it('does not resend a middleName Slack does not report back', () => {
    const actual = asSlack(toScimUser(full()), { name: { givenName: 'Ada', familyName: 'Lovelace', middleName: null } });
    expect(diffScimUser(toScimUser(full()), actual)).toEqual([]);
  });

  it('reads the primary email, not the first', () => {
    const actual = asSlack(toScimUser(user()), { emails: [{ value: 'old@example.test', primary: false }, { value: 'ada@example.test', primary: true }] });
    expect(diffScimUser(toScimUser(user()), actual)).toEqual([]);
  });

  it('replaces a blanked scalar with "" and removes an emptied list', () => {
    const actual = asSlack(toScimUser(full()));
    const desired = toScimUser({ ...full(), middleName: '', addresses: [], phoneNumbers: [] });
    expect(diffScimUser(desired, actual)).toEqual([
      { op: 'replace', path: 'name.middleName', value: '' },
      { op: 'remove', path: 'addresses' },
      { op: 'remove', path: 'phoneNumbers' },
    ]);
  });

  it('does not diff displayName unless sendDisplayName is on', () => {
    const actual = asSlack(toScimUser(full()), { displayName: 'someone-else' });
    expect(diffScimUser(toScimUser(full()), actual)).toEqual([]);
    const on = { sendDisplayName: true };
    expect(diffScimUser(toScimUser(full(), on), actual, on)).toEqual([{ op: 'replace', path: 'displayName', value: 'ada.l' }]);
    // With no display name, Slack shows the userName: nothing to do.
    expect(diffScimUser(toScimUser(user(), on), asSlack(toScimUser(user())), on)).toEqual([]);
  });

  it('ignores what Slack does not store: address type, numbers beyond two, password, externalId', () => {
    const three = { ...full(), password: 'pw', phoneNumbers: [{ value: '1' }, { value: '2' }, { value: '3' }] };
    const actual = asSlack(toScimUser(three), { externalId: '' });
    expect(diffScimUser(toScimUser(three), actual)).toEqual([]);
  });

  it('compares the address Slack keeps: the primary one', () => {
    const addresses = [{ type: 'home', locality: 'Bath' }, { type: 'work', locality: 'London', primary: true }];
    const actual = asSlack(toScimUser(user()), { addresses: [{ locality: 'London', primary: true }] });
    expect(diffScimUser(toScimUser(user({ addresses })), actual)).toEqual([]);
  });
});

describe('diffScimUser on any SCIM 2.0 target (RFC comparisons)', () => {
  const rfc = (desired: ScimUserPayload, actual: ScimUser) => diffWith(desired, actual, { sendDisplayName: true, compare: DEFAULT_COMPARE });
  const base = () => toScimUser(DirectoryUserFields.parse({ username: 'ada', email: 'ada@example.com' }) as DirectoryUser, { sendDisplayName: true });

  it('compares whole lists: a second address or a third phone number is a change', () => {
    const want = toScimUser({ ...DirectoryUserFields.parse({ username: 'ada', email: 'ada@example.com', addresses: [{ locality: 'London' }, { locality: 'Paris' }] }), id: 'u' }, { sendDisplayName: true });
    const have = ScimUser.parse({ id: 'X', ...want, addresses: [{ locality: 'London' }] });
    expect(rfc(want, have)).toEqual([{ op: 'replace', path: 'addresses', value: want.addresses }]);
    expect(rfc(want, ScimUser.parse({ id: 'X', ...want }))).toEqual([]);
  });

  it('does not take a missing middleName as in step (no Slack leniency), and reads a missing active as active', () => {
    const want = toScimUser({ ...DirectoryUserFields.parse({ username: 'ada', email: 'ada@example.com', middleName: 'K' }), id: 'u' }, { sendDisplayName: true });
    const { active: _active, ...rest } = want;
    const have = ScimUser.parse({ id: 'X', ...rest, name: { ...want.name, middleName: undefined } });
    expect(rfc(want, have)).toEqual([{ op: 'replace', path: 'name.middleName', value: 'K' }]);
    expect(rfc(base(), ScimUser.parse({ id: 'X', ...base(), active: undefined }))).toEqual([]);
  });
});
