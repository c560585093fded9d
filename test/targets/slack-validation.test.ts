import { describe, expect, it } from 'vitest';
import { DirectoryUserFields, type DirectoryUser } from '../../core/directory';
import { toScimUser } from '../../core/mapping';
import type { ScimUserPayload } from '../../core/scim-user';
import { LIMITS, SCHEMAS, isSlackErrorCode } from '../../targets/slack/facts';
import {
  USERNAME_MAX,
  describeProblems,
  isIso8601Date,
  isValidForSlack,
  validateForSlack,
  type ValidationContext,
  type ValidationProblem,
} from '../../targets/slack/validation';
import { prng } from '../support/prng';

const ENT = SCHEMAS.enterprise;
const PROFILE = SCHEMAS.profile;

/** A valid directory user, built without the directory's schema so tests can hand in what it would refuse. */
function user(over: Partial<DirectoryUser> = {}): DirectoryUser {
  return { ...DirectoryUserFields.parse({ username: 'ada', email: 'ada@example.test' }), id: 'dir-1', ...over };
}

type Run = { payload?: Record<string, unknown>; ctx?: Partial<ValidationContext> };

/** Validates `u` as the mapping would send it (display names on), with `payload` laid over the body. */
function run(u: DirectoryUser, { payload = {}, ctx = {} }: Run = {}): ValidationProblem[] {
  const full: ValidationContext = { sendDisplayName: true, ...ctx };
  const body = { ...toScimUser(u, { sendDisplayName: full.sendDisplayName }), ...payload } as ScimUserPayload;
  return validateForSlack(u, body, full);
}

const codes = (problems: readonly ValidationProblem[]) => problems.map((p) => p.code);
const usernameProblems = (name: string, r: Run = {}) => run(user(), { ...r, payload: { userName: name, ...r.payload } });
const displayProblems = (name: string, r: Run = {}) => run(user({ displayName: name }), r);

/** How a message names a refused character. */
function shown(ch: string): string {
  if (ch === ' ') return 'a space';
  if (/[\p{C}\p{Z}]/u.test(ch)) return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(ch);
}


const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const USERNAME_ALPHABET = [...LOWER, ...LOWER.toUpperCase(), ...'0123456789', '.', '_', '-'];
const USERNAME_REFUSED = [
  '@', ' ', '!', '#', '$', '%', '^', '&', '*', '(', ')', '+', '=', ',', '/', '\\', ':', ';', "'", '"', '<', '>', '?', '`', '~',
  '[', ']', '{', '}', '|', 'é', 'ß', 'ø', '山', '😀', '\t', '\n', '\u0000', '\u00a0', '\u200b', '–',
];
const DISPLAY_ASCII_ALLOWED = [...LOWER, ...LOWER.toUpperCase(), ...'0123456789', ' ', '.', '_', '-', "'", '{', '}', '[', ']', ',', '/', ';'];
const DISPLAY_REFUSED = [
  '@', '#', '!', ':', '$', '%', '^', '&', '*', '(', ')', '+', '=', '\\', '|', '<', '>', '?', '"', '`', '~',
  '\t', '\n', '\r', '\u0000', '\u007f', '\u0085', '\ud800',
];

describe('validateForSlack: a valid user', () => {
  it('finds nothing wrong with a full user and says so', () => {
    const u = user({
      username: 'ada.lovelace_1-x',
      email: 'Ada.Lovelace@Example.co.uk',
      firstName: 'Ada',
      middleName: 'King',
      lastName: 'Lovelace',
      displayName: "Ada L. [R/D]; {eng}, it's_me-x",
      jobTitle: 'Analyst',
      location: 'London HQ',
      addresses: [{ type: 'work', streetAddress: '1 Main St', locality: 'London', region: 'LDN', postalCode: 'N1', country: 'GB', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+44 20 7946 0958' }, { type: 'work', value: '(555) 123-4567 x89' }],
      employeeIdentifier: 'E-42',
      department: 'Research',
      company: 'Engines Ltd',
    });
    const ctx = { sendDisplayName: true, takenNames: new Set(['grace', 'general']), existingCustomFieldCount: 10 };
    const payload = toScimUser(u, { sendDisplayName: true });
    expect(payload.displayName).toBe("Ada L. [R/D]; {eng}, it's_me-x");
    expect(validateForSlack(u, payload, ctx)).toEqual([]);
    expect(isValidForSlack(u, payload, ctx)).toBe(true);
    expect(describeProblems(validateForSlack(u, payload, ctx))).toBe('');
  });

  it('finds nothing wrong with a minimal user, with or without display names', () => {
    expect(run(user(), { ctx: { sendDisplayName: false } })).toEqual([]);
    expect(run(user(), { ctx: { sendDisplayName: true } })).toEqual([]);
  });
});

describe('username', () => {
  it('allows one less than Slack\'s maximum, as the seed asks ("less than 21 characters")', () => {
    expect(USERNAME_MAX).toBe(LIMITS.userNameMax - 1);
    expect(USERNAME_MAX).toBe(20);
  });

  it.each([
    [1, []],
    [19, []],
    [20, []],
    [21, ['username_too_long']],
    [22, ['username_too_long']],
    [64, ['username_too_long']],
  ])('length %i → %j', (length, expected) => {
    const name = 'a'.repeat(length);
    const problems = usernameProblems(name);
    expect(codes(problems)).toEqual(expected);
    for (const p of problems) {
      expect(p.field).toBe('username');
      expect(p.message).toContain(`has ${length} characters`);
      expect(p.message).toContain('fewer than 21');
    }
  });

  it.each(USERNAME_ALPHABET)('allows %j anywhere in the name', (ch) => {
    expect(usernameProblems(ch)).toEqual([]);
    expect(usernameProblems(`a${ch}b`)).toEqual([]);
    expect(usernameProblems(`${ch}z`)).toEqual([]);
  });

  it.each(USERNAME_REFUSED)('refuses %j with username_invalid, naming it', (ch) => {
    for (const name of [`a${ch}b`, `${ch}ab`, `ab${ch}`]) {
      const problems = usernameProblems(name);
      expect(codes(problems)).toEqual(['username_invalid']);
      expect(problems[0]?.field).toBe('username');
      expect(problems[0]?.message).toContain(`the character ${shown(ch)}`);
    }
  });

  it('refuses an email used as username (Slack would rewrite it and matching would break)', () => {
    const [p, ...rest] = usernameProblems('ada@example.test');
    expect(rest).toEqual([]);
    expect(p?.code).toBe('username_invalid');
    expect(p?.message).toContain('"ada@example.test"');
    expect(p?.message).toContain('the character "@"');
    expect(p?.message).toContain('letters, digits, ".", "_" and "-"');
  });

  it('lists each refused character once, in order of appearance', () => {
    const problems = usernameProblems('a@b!c@d e');
    expect(codes(problems)).toEqual(['username_invalid']);
    expect(problems[0]?.message).toContain('the characters "@", "!", a space,');
  });

  it.each(['', ' ', '   ', '\t', '\n '])('refuses the blank username %j with username_empty only', (name) => {
    const problems = usernameProblems(name);
    expect(problems).toEqual([{ code: 'username_empty', field: 'username', message: expect.stringContaining('set a username') }]);
  });

  it('reports too long and invalid together', () => {
    expect(codes(usernameProblems('ada.lovelace@example.test'))).toEqual(['username_too_long', 'username_invalid']);
  });

  describe('uniqueness (other users of the connector and Slack channel names)', () => {
    const takenNames = new Set(['general', 'grace.h']);
    it.each(['general', 'General', 'GENERAL', 'gEnErAl', 'Grace.H'])('refuses %j, whatever its case', (name) => {
      const problems = usernameProblems(name, { ctx: { takenNames } });
      expect(codes(problems)).toEqual(['username_taken']);
      expect(problems[0]?.message).toContain(JSON.stringify(name));
      expect(problems[0]?.message).toContain('channel name');
    });
    it.each(['generals', 'genera', 'grace', 'grace_h'])('allows %j', (name) => {
      expect(usernameProblems(name, { ctx: { takenNames } })).toEqual([]);
    });
    it('allows any name when no taken names are known', () => {
      expect(usernameProblems('general')).toEqual([]);
      expect(usernameProblems('general', { ctx: { takenNames: new Set() } })).toEqual([]);
    });
  });

  it('property: 500 random names of the allowed alphabet (1..20) pass; one refused character makes exactly one username_invalid', () => {
    const random = prng(20240301);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    for (let i = 0; i < 500; i++) {
      const length = 1 + Math.floor(random() * USERNAME_MAX);
      const name = Array.from({ length }, () => pick(USERNAME_ALPHABET)).join('');
      expect(usernameProblems(name), name).toEqual([]);

      const at = Math.floor(random() * (length + 1));
      const bad = pick(USERNAME_REFUSED.filter((ch) => ch.trim() !== ''));
      const spoiled = name.slice(0, at) + bad + name.slice(at);
      const problems = usernameProblems(spoiled);
      expect(problems.filter((p) => p.code === 'username_invalid'), spoiled).toHaveLength(1);
      // The inserted character may push the name over the limit, which is the only other problem allowed.
      const expected = Array.from(spoiled).length > USERNAME_MAX ? ['username_too_long', 'username_invalid'] : ['username_invalid'];
      expect(codes(problems), spoiled).toEqual(expected);
    }
  });
});

describe('display name', () => {
  it.each([
    ['a', 1, []],
    ['a', 79, []],
    ['a', 80, []],
    ['a', 81, ['invalid_name_maxlength']],
    ['é', 80, []],
    ['é', 81, ['invalid_name_maxlength']],
    ['😀', 80, []],
    ['山', 81, ['invalid_name_maxlength']],
  ])('%j × %i → %j (counted in characters)', (ch, length, expected) => {
    const problems = displayProblems(ch.repeat(length));
    expect(codes(problems)).toEqual(expected);
    for (const p of problems) {
      expect(p.field).toBe('displayName');
      expect(p.message).toContain(`has ${length} characters`);
      expect(p.message).toContain(`at most ${LIMITS.displayNameMax}`);
    }
  });

  it.each(DISPLAY_ASCII_ALLOWED)('allows %j', (ch) => {
    expect(displayProblems(`A${ch}b`)).toEqual([]);
    expect(displayProblems(`Ab${ch}`)).toEqual([]);
  });

  it.each(['Zoë', '山田', 'José María', 'Łukasz', 'Ωμέγα', 'محمد', 'O’Brien', 'Jean–Luc', 'Ünal Şahin', 'Ñandú 😀', "D'Arcy [ops]; {eng}, a/b"])(
    'allows %j',
    (name) => {
      expect(displayProblems(name)).toEqual([]);
    },
  );

  it.each(DISPLAY_REFUSED)('refuses %j with invalid_name_specials, naming it', (ch) => {
    for (const name of [`A${ch}b`, `Ab${ch}`]) {
      const problems = displayProblems(name);
      expect(codes(problems)).toEqual(['invalid_name_specials']);
      expect(problems[0]?.field).toBe('displayName');
      expect(problems[0]?.message).toContain(`the character ${shown(ch)}`);
    }
  });

  it('refuses a leading "@" with invalid_starts_with_at only', () => {
    const problems = displayProblems('@ada');
    expect(codes(problems)).toEqual(['invalid_starts_with_at']);
    expect(problems[0]?.message).toContain('"@ada"');
  });

  it.each([
    ['@a@b', ['invalid_starts_with_at', 'invalid_name_specials']],
    ['@@', ['invalid_starts_with_at', 'invalid_name_specials']],
    ['a@', ['invalid_name_specials']],
    [` @${'a'.repeat(80)}`, ['invalid_name_maxlength', 'invalid_name_specials']],
    [`@${'a'.repeat(80)}!`, ['invalid_name_maxlength', 'invalid_starts_with_at', 'invalid_name_specials']],
  ])('%j → %j', (name, expected) => {
    expect(codes(displayProblems(name))).toEqual(expected);
  });

  it('is not checked when display names are not sent', () => {
    expect(displayProblems('@bad#name!', { ctx: { sendDisplayName: false } })).toEqual([]);
  });

  it('is not checked when empty', () => {
    expect(displayProblems('', { ctx: { sendDisplayName: true } })).toEqual([]);
  });

  it('is checked when the payload carries one, even with display names off', () => {
    expect(codes(run(user(), { payload: { displayName: '#ada' }, ctx: { sendDisplayName: false } }))).toEqual(['invalid_name_specials']);
  });

  it('falls back to the directory value when the payload was built without it', () => {
    const u = user({ displayName: '@ada' });
    const payload = toScimUser(u); // display names off when mapped
    expect(payload.displayName).toBeUndefined();
    expect(codes(validateForSlack(u, payload, { sendDisplayName: true }))).toEqual(['invalid_starts_with_at']);
  });
});

describe('names', () => {
  it.each([
    [' ', ' ', ['invalid_name_required']],
    ['\t', '   ', ['invalid_name_required']],
    ['Ada', ' ', []],
    [' ', 'Lovelace', []],
    ['', '', []],
    [' ', '', []],
    ['Ada', 'Lovelace', []],
  ])('first %j, last %j → %j', (firstName, lastName, expected) => {
    const problems = run(user({ firstName, lastName }));
    expect(codes(problems)).toEqual(expected);
    for (const p of problems) {
      expect(p.field).toBe('firstName');
      expect(p.message).toContain('first or last name');
    }
  });
});

describe('email', () => {
  it.each([
    ['no email at all', []],
    ['an empty primary', [{ value: '', type: 'work', primary: true }]],
    ['a blank primary', [{ value: '   ', type: 'work', primary: true }]],
    ['a blank primary beside a good secondary', [{ value: 'ada@example.test' }, { value: ' ', primary: true }]],
  ])('%s → missing_primary_email', (_label, emails) => {
    const problems = run(user(), { payload: { emails } });
    expect(codes(problems)).toEqual(['missing_primary_email']);
    expect(problems[0]?.field).toBe('email');
  });

  it.each(['ada', 'ada@', '@example.test', 'ada@example', 'a b@example.test', 'ada@@example.test', 'ada@exa mple.test', 'ada..l@example.test', 'ada@example.test\n'])(
    'refuses %j with emails_invalid',
    (email) => {
      const problems = run(user({ email }));
      expect(codes(problems)).toEqual(['emails_invalid']);
      expect(problems[0]?.field).toBe('email');
      expect(problems[0]?.message).toContain(JSON.stringify(email));
    },
  );

  it.each(['ada@example.test', 'Ada.Lovelace@Example.co.uk', 'a+b@x.io', "o'brien@example.test", 'a_b-c@sub.example.org'])('allows %j', (email) => {
    expect(run(user({ email }))).toEqual([]);
  });

  it('checks every email, not only the primary', () => {
    const emails = [{ value: 'ada@example.test', primary: true }, { value: 'not-an-email' }, { value: '' }];
    expect(codes(run(user(), { payload: { emails } }))).toEqual(['emails_invalid', 'emails_invalid']);
  });
});

describe('phone numbers', () => {
  it.each(['+44 20 7946 0958', '(555) 123-4567', '555.123.4567 x89', '555-1234 X12', '123', '+1 (800) 555-0100'])('allows %j', (value) => {
    expect(run(user({ phoneNumbers: [{ value }] }))).toEqual([]);
  });

  it.each(['12', '+1', 'call me', '+1-800-FLOWERS', '555 1234 ext. 5', '555#1234', '', '   ', '12 ab 3'])('refuses %j with phoneNumbers_invalid', (value) => {
    const problems = run(user(), { payload: { phoneNumbers: [{ value }] } });
    expect(codes(problems)).toEqual(['phoneNumbers_invalid']);
    expect(problems[0]?.field).toBe('phoneNumbers');
    expect(problems[0]?.message).toContain(JSON.stringify(value));
  });

  it('reports each bad number', () => {
    const phoneNumbers = [{ value: 'x' }, { value: '+44 1 23' }, { value: 'y' }, { value: 5 }];
    expect(codes(run(user(), { payload: { phoneNumbers } }))).toEqual(['phoneNumbers_invalid', 'phoneNumbers_invalid', 'phoneNumbers_invalid']);
  });
});

describe('addresses', () => {
  it.each([
    ['a 512-character street', { streetAddress: 's'.repeat(512) }, []],
    ['a 513-character street', { streetAddress: 's'.repeat(513) }, ['addresses_invalid']],
    ['a 513-character country', { country: 'c'.repeat(513) }, ['addresses_invalid']],
    ['a 512-character street of astral characters', { streetAddress: '😀'.repeat(512) }, []],
    ['a 513-character street of astral characters', { streetAddress: '😀'.repeat(513) }, ['addresses_invalid']],
    ['a numeric locality', { locality: 42 }, ['addresses_invalid']],
    ['a null region', { region: null }, ['addresses_invalid']],
    ['a textual primary flag', { locality: 'London', primary: 'yes' }, ['addresses_invalid']],
    ['every sub-attribute', { type: 'work', streetAddress: '1 Main St', locality: 'London', region: 'LDN', postalCode: 'N1', country: 'GB', primary: false }, []],
  ])('%s → %j', (_label, address, expected) => {
    const problems = run(user(), { payload: { addresses: [address] } });
    expect(codes(problems)).toEqual(expected);
    for (const p of problems) {
      expect(p.field).toBe('addresses');
      expect(p.message).toContain('Address 1');
    }
  });

  it('reports each bad address by its position', () => {
    const addresses = [{ locality: 'ok' }, { locality: 7 }, 'nope'];
    const problems = run(user(), { payload: { addresses } });
    expect(codes(problems)).toEqual(['addresses_invalid', 'addresses_invalid']);
    expect(problems.map((p) => p.message.slice(0, 9))).toEqual(['Address 2', 'Address 3']);
  });
});

describe('custom profile fields', () => {
  const twoFields = user({ department: 'Research', company: 'Engines Ltd' });

  it.each([
    [0, true],
    [47, true],
    [48, true],
    [49, false],
    [50, false],
  ])('existing %i + 2 new fields → accepted: %s', (existing, ok) => {
    const problems = run(twoFields, { ctx: { existingCustomFieldCount: existing } });
    expect(codes(problems)).toEqual(ok ? [] : ['unable_to_create_team_profile_fields']);
    if (!ok) {
      expect(problems[0]?.message).toContain(`at most ${LIMITS.customProfileFieldsMax}`);
      expect(problems[0]?.message).toContain(`already has ${existing}`);
      expect(problems[0]?.message).toContain('(department, company)');
    }
  });

  it('does not count when the existing number is unknown', () => {
    const payload = { [ENT]: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, 'x'])) };
    expect(run(user(), { payload })).toEqual([]);
  });

  it('allows a full organisation when the user needs no custom field', () => {
    expect(run(user(), { ctx: { existingCustomFieldCount: LIMITS.customProfileFieldsMax } })).toEqual([]);
  });

  it('counts every attribute that becomes a custom field, once each', () => {
    const payload = {
      [ENT]: { employeeNumber: 'E-1', costCenter: 'CC', organization: 'Org', division: 'Div', department: 'Dep', manager: { managerId: 'grace' } },
      userType: 'Employee',
      preferredLanguage: 'en',
      locale: 'en-GB',
      name: { givenName: 'Ada', honorificPrefix: 'Dr' },
      [PROFILE]: { startDate: '2024-03-01' },
    };
    // 6 enterprise + userType, preferredLanguage, locale + honorificPrefix + startDate = 11
    expect(run(user(), { payload, ctx: { existingCustomFieldCount: 39 } })).toEqual([]);
    expect(codes(run(user(), { payload, ctx: { existingCustomFieldCount: 40 } }))).toEqual(['unable_to_create_team_profile_fields']);
  });

  it('leaves out attributes the payload does not carry', () => {
    const payload = { [ENT]: { department: 'Dep', costCenter: undefined, division: null }, userType: null };
    expect(run(user(), { payload, ctx: { existingCustomFieldCount: 49 } })).toEqual([]);
  });

  describe('invalid values (Slack would drop every profile field on create)', () => {
    it.each([
      ['a 256-character department', { department: 'd'.repeat(256) }, undefined],
      ['a 257-character department', { department: 'd'.repeat(257) }, 'department'],
      ['a 257-character employee number', { employeeNumber: 'e'.repeat(257) }, 'employeeIdentifier'],
      ['a line break in the organization', { organization: 'Engines\nLtd' }, 'company'],
      ['a tab in the division', { division: 'R\tD' }, 'division'],
      ['a numeric cost center', { costCenter: 1234 }, 'costCenter'],
      ['a boolean department', { department: true }, 'department'],
      ['a non-ASCII department', { department: 'Recherche & Développement' }, undefined],
      ['256 astral characters (counted as characters)', { department: '😀'.repeat(256) }, undefined],
      ['257 astral characters', { department: '😀'.repeat(257) }, 'department'],
    ])('%s', (_label, ent, field) => {
      const problems = run(user(), { payload: { [ENT]: ent } });
      if (field === undefined) {
        expect(problems).toEqual([]);
        return;
      }
      expect(problems).toEqual([{ code: 'invalid_custom_profile', field, message: expect.stringContaining('silently drop every profile field') }]);
      expect(problems[0]?.message).toContain('nothing is sent');
    });

    it.each(['2024-13-01', '2024-02-30', '2023-02-29', '01/03/2024', '2024-3-1', 'tomorrow', '', '2024-03-01T25:00:00Z', '2024-03-01T10:60', '2024-03-01 10:00'])(
      'refuses the startDate %j',
      (startDate) => {
        const problems = run(user(), { payload: { [PROFILE]: { startDate } } });
        expect(codes(problems)).toEqual(['invalid_custom_profile']);
        expect(problems[0]?.field).toBe('startDate');
        expect(problems[0]?.message).toContain('ISO 8601');
        expect(problems[0]?.message).toContain('silently drop every profile field');
      },
    );

    it.each(['2024-03-01', '2024-02-29', '2000-02-29', '2024-03-01T09:30', '2024-03-01T09:30:00Z', '2024-03-01T09:30:00.123+02:00', '2024-12-31T23:59:59-05:00'])(
      'allows the startDate %j',
      (startDate) => {
        expect(run(user(), { payload: { [PROFILE]: { startDate } } })).toEqual([]);
      },
    );

    it.each([
      ['userType', { userType: 42 }],
      ['preferredLanguage', { preferredLanguage: 'en\u0000' }],
      ['locale', { locale: 'l'.repeat(257) }],
      ['name.honorificPrefix', { name: { givenName: 'Ada', honorificPrefix: ['Dr'] } }],
    ])('checks %s too', (field, payload) => {
      const problems = run(user(), { payload });
      expect(problems.map((p) => [p.code, p.field])).toEqual([['invalid_custom_profile', field]]);
    });

    it('reports custom fields in the directory user\'s field order, the others after them', () => {
      const bad = 'x'.repeat(300);
      const ent = { costCenter: bad, organization: bad, department: bad, employeeNumber: bad };
      const problems = run(user(), { payload: { [ENT]: ent, userType: 7 } });
      expect(problems.map((p) => p.field)).toEqual(['employeeIdentifier', 'department', 'company', 'costCenter', 'userType']);
    });

    it('refuses a manager without managerId as Slack does', () => {
      const problems = run(user(), { payload: { [ENT]: { manager: {} } } });
      expect(codes(problems)).toEqual(['improper_enterprise_schema_format']);
      expect(problems[0]?.field).toBe('manager');
    });

    it('checks the managerId like any custom value', () => {
      expect(codes(run(user(), { payload: { [ENT]: { manager: { managerId: 'grace' } } } }))).toEqual([]);
      expect(codes(run(user(), { payload: { [ENT]: { manager: { managerId: 'g\nrace' } } } }))).toEqual(['invalid_custom_profile']);
    });
  });
});

describe('isIso8601Date', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-28', true],
    ['1900-02-29', false],
    ['2000-02-29', true],
    ['2024-04-31', false],
    ['2024-04-30', true],
    ['2024-00-10', false],
    ['2024-01-00', false],
    ['2024-01-01T23:59:59Z', true],
    ['2024-01-01T24:00:00Z', false],
    ['2024-01-01T12:00:61Z', false],
    ['2024-01-01T12:00+0530', true],
    ['2024-01-01T12:00+25:00', false],
    ['2024-01-01Z', false],
    ['20240101', false],
  ])('%j → %s', (value, expected) => {
    expect(isIso8601Date(value)).toBe(expected);
  });
});

describe('many problems at once', () => {
  const u = user({
    username: 'Ada Lovelace Is Twenty+',
    email: 'ada@',
    firstName: ' ',
    lastName: '  ',
    displayName: '@ada#',
    addresses: [{ streetAddress: 's'.repeat(513) }],
    phoneNumbers: [{ value: 'none' }],
    employeeIdentifier: 'E\u0007',
    department: 'Research',
    company: 'c'.repeat(300),
  });
  const ctx = { takenNames: new Set(['ada lovelace is twenty+']), existingCustomFieldCount: 48 };
  const problems = run(u, { ctx });

  it('collects every problem, in the directory user\'s field order', () => {
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['username', 'username_too_long'],
      ['username', 'username_invalid'],
      ['username', 'username_taken'],
      ['email', 'emails_invalid'],
      ['firstName', 'invalid_name_required'],
      ['displayName', 'invalid_starts_with_at'],
      ['displayName', 'invalid_name_specials'],
      ['addresses', 'addresses_invalid'],
      ['phoneNumbers', 'phoneNumbers_invalid'],
      ['employeeIdentifier', 'invalid_custom_profile'],
      ['company', 'invalid_custom_profile'],
      ['customProfile', 'unable_to_create_team_profile_fields'],
    ]);
  });

  it('uses Slack\'s own codes, except for the custom profile Slack would silently drop', () => {
    for (const p of problems) expect(isSlackErrorCode(p.code) || p.code === 'invalid_custom_profile', p.code).toBe(true);
  });

  it('gives one actionable line per problem', () => {
    for (const p of problems) {
      expect(p.message, p.code).toMatch(/^[A-Z].*\.$/);
      expect(p.message, p.code).not.toMatch(/[\n\r\u0007]/);
      expect(p.message, p.code).toMatch(/directory|Slack/);
    }
    const long = problems.find((p) => p.field === 'company');
    expect(long?.message).toContain(`"${'c'.repeat(64)}…"`);
    expect(long?.message).not.toContain('c'.repeat(65));
  });

  it('is not valid, and describeProblems joins every message in order', () => {
    expect(isValidForSlack(u, toScimUser(u, { sendDisplayName: true }), { ...ctx, sendDisplayName: true })).toBe(false);
    expect(describeProblems(problems)).toBe(problems.map((p) => p.message).join(' '));
    expect(describeProblems(problems).indexOf('Username')).toBe(0);
  });

  it('gives the same answer every time', () => {
    expect(run(u, { ctx })).toEqual(problems);
  });
});
