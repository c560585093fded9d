import { describe, expect, it } from 'vitest';
import { DirectoryUserFields, type DirectoryUserInput } from '../../core/directory';
import {
  addCounts,
  type Candidate,
  candidateCounts,
  candidateKey,
  candidatePage,
  classify,
  countOf,
  decideImport,
  decideImports,
  dedupeSelection,
  type DirectoryHolder,
  directoryUserFromScim,
  type ImportFacts,
  importKeys,
  importWorkflowId,
  INLINE_IMPORT_LIMIT,
  matchesSearch,
  noCounts,
  readBack,
  readBackOf,
  readScimPath,
  reasonCode,
  reasonText,
  REFUSAL_CODES,
  toCandidate,
} from '../../core/import';
import { USER_MAPPING, toScimUser } from '../../core/mapping';
import { ScimUser } from '../../core/scim-user';
import { normalizeUser, toScimUser as slackResource } from '../../emulator/users';
import { SCHEMAS } from '../../targets/slack/facts';
import { diffSlackUser, slackUserPayload } from '../../targets/slack/mapping';
import { prng } from '../support/prng';

const ENT = SCHEMAS.enterprise;

/** What Slack stores for a SCIM body and answers back (the emulator's pure rules: nulls for unset, one address, two phones). */
function slackEcho(body: Record<string, unknown>, id = 'U0000000001', active = true): ScimUser {
  const n = normalizeUser(body);
  return ScimUser.parse(slackResource({ ...n.fields, id, externalId: '', active: n.active ?? active, created: '2024-01-01T00:00:00Z' }, `https://slack.test/scim/v2/Users/${id}`));
}

const record = (overrides: Record<string, unknown> = {}) => ScimUser.parse({ id: 'U1', userName: 'ada', emails: [{ value: 'ada@example.com', primary: true }], ...overrides });

describe('the mapping table read backwards', () => {
  it('reads back every row it can: a directory field, the computed active flag, and says why the others are not', () => {
    const how = Object.fromEntries(USER_MAPPING.map((r) => [r.scim, readBackOf(r)]));
    const skipped = Object.entries(how).filter(([, h]) => h.kind === 'skipped').map(([scim]) => scim);
    expect(skipped.sort()).toEqual(['externalId', 'location', 'password']);
    expect(how.active).toEqual({ kind: 'computed' });
    for (const [scim, h] of Object.entries(how)) {
      if (h.kind === 'skipped') expect(h.why.length, scim).toBeGreaterThan(10);
      if (h.kind === 'field') expect(Object.keys(DirectoryUserFields.shape), scim).toContain(h.field);
    }
    // Every directory attribute the table sends is read back somewhere.
    const fields = new Set(Object.values(how).flatMap((h) => (h.kind === 'field' ? [h.field] : [])));
    expect([...fields].sort()).toEqual(['addresses', 'company', 'department', 'displayName', 'email', 'employeeIdentifier', 'firstName', 'jobTitle', 'lastName', 'middleName', 'phoneNumbers', 'username']);
  });

  describe('readScimPath', () => {
    const doc = {
      userName: 'ada',
      name: { givenName: 'Ada' },
      emails: [
        { value: 'second@example.com', primary: false },
        { value: 'first@example.com', primary: true },
      ],
      addresses: [{ locality: 'London' }, { locality: 'Paris' }],
      [ENT]: { department: 'Research' },
    };
    it.each<[string, unknown, unknown]>([
      ['a top-level attribute', 'userName', 'ada'],
      ['a sub-attribute', 'name.givenName', 'Ada'],
      ['a missing one', 'name.familyName', undefined],
      ['under a missing parent', 'title.x', undefined],
      ['an extension attribute (URN path)', `${ENT}:department`, 'Research'],
      ['a selector the element does not contradict (no type echoed)', 'emails[type=work,primary=true].value', 'first@example.com'],
      ['a list spread element by element', 'addresses[].locality', ['London', 'Paris']],
      ['a list spread over a missing list', 'phoneNumbers[].value', []],
    ])('%s', (_name, path, expected) => {
      expect(readScimPath(doc, path as string)).toEqual(expected);
    });

    it('falls back to the primary element, then the first, when no element fits the selector', () => {
      expect(readScimPath({ emails: [{ value: 'a', type: 'home' }, { value: 'b', type: 'other', primary: true }] }, 'emails[type=work].value')).toBe('b');
      expect(readScimPath({ emails: [{ value: 'a', type: 'home' }, { value: 'b', type: 'other' }] }, 'emails[type=work].value')).toBe('a');
      expect(readScimPath({ emails: [] }, 'emails[type=work].value')).toBeUndefined();
      expect(readScimPath({ emails: 'nonsense' }, 'emails[type=work].value')).toBeUndefined();
    });

    it('takes the element whose attributes agree over one that contradicts the selector', () => {
      expect(readScimPath({ emails: [{ value: 'home', type: 'home', primary: true }, { value: 'work', type: 'work' }] }, 'emails[type=work,primary=true].value')).toBe('work');
    });
  });

  it('reads a full Slack record into the directory user it came from', () => {
    const rec = slackEcho({
      schemas: [SCHEMAS.user, ENT],
      userName: 'Ada',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      displayName: 'Ada L',
      title: 'Analyst',
      emails: [{ value: 'Ada@Example.com', primary: true }, { value: 'ada2@example.com' }],
      phoneNumbers: [{ value: '+44 1', type: 'mobile' }, { value: '+44 2', type: 'work' }],
      addresses: [{ streetAddress: '1 Main', locality: 'London', country: 'GB', type: 'work' }],
      [ENT]: { employeeNumber: 'E1', department: 'Research', organization: 'Engines', manager: { managerId: 'U999' } },
    });
    const made = directoryUserFromScim(rec);
    expect(made).toEqual({
      ok: true,
      user: DirectoryUserFields.parse({
        username: 'ada',
        email: 'Ada@Example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        displayName: 'Ada L',
        jobTitle: 'Analyst',
        addresses: [{ streetAddress: '1 Main', locality: 'London', country: 'GB', primary: true }],
        phoneNumbers: [{ type: 'mobile', value: '+44 1', primary: true }, { type: 'work', value: '+44 2', primary: false }],
        employeeIdentifier: 'E1',
        department: 'Research',
        company: 'Engines',
      }),
    });
  });

  it('drops what Slack shows for never-set attributes (nulls, lists of one element full of nulls)', () => {
    const rec = slackEcho({ schemas: [SCHEMAS.user], userName: 'bare', emails: [{ value: 'bare@example.com' }] });
    expect(readBack(rec)).toEqual({ username: 'bare', displayName: 'bare', email: 'bare@example.com', suspended: false });
  });

  it('drops list elements that carry only a type or a primary flag', () => {
    const rec = record({ phoneNumbers: [{ type: 'mobile' }, { value: '+1', type: 'work' }], addresses: [{ type: 'work', primary: true }] });
    expect(readBack(rec)).toMatchObject({ phoneNumbers: [{ value: '+1', type: 'work' }] });
    expect(readBack(rec).addresses).toBeUndefined();
  });

  it('keeps primary flags as flags, and each list element whole', () => {
    const rec = record({ addresses: [{ locality: 'Paris', primary: false }, { locality: 'Rome', type: 'home', primary: true }] });
    expect(readBack(rec).addresses).toEqual([{ locality: 'Paris', primary: false }, { locality: 'Rome', type: 'home', primary: true }]);
  });

  it.each([
    [true, false],
    [false, true],
  ])('active %s → suspended %s', (active, suspended) => {
    const made = directoryUserFromScim(record({ active }));
    expect(made.ok && made.user.suspended).toBe(suspended);
    expect(made.ok && made.user.passwordExpired).toBe(false);
  });

  it('takes the guest flag only from what the target says (Slack: its guest extension)', () => {
    expect(directoryUserFromScim(record(), { guest: true })).toMatchObject({ ok: true, user: { guest: true } });
    expect(directoryUserFromScim(record())).toMatchObject({ ok: true, user: { guest: false } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no email', { emails: [] }, 'email'],
    ['an email that is not one', { emails: [{ value: 'not-an-email', primary: true }] }, 'email'],
    ['a control character in a name', { name: { givenName: 'A\u001b[2J' } }, 'firstName'],
    ['a bidirectional override in a title', { title: 'evil\u202etxt' }, 'jobTitle'],
    ['a name longer than the directory holds', { name: { familyName: 'x'.repeat(300) } }, 'lastName'],
  ])('refuses a record the directory cannot hold: %s', (_name, overrides, field) => {
    const made = directoryUserFromScim(record(overrides));
    expect(made.ok).toBe(false);
    if (!made.ok) expect(made.problems.map((p) => p.field)).toContain(field);
  });

  it('importKeys: the username and email an import would create', () => {
    expect(importKeys(record())).toEqual({ username: 'ada', email: 'ada@example.com' });
    expect(importKeys(record({ emails: [] }))).toEqual({ username: 'ada' });
  });

  // Property: a directory user sent to Slack and read back is the same user, and its first sync sends nothing (M3).
  it('round-trips 500 random directory users through Slack without a difference to send', () => {
    const rand = prng(12);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const maybe = (s: string) => (rand() < 0.5 ? s : '');
    for (let i = 0; i < 500; i++) {
      const input: DirectoryUserInput = {
        username: `user.${i}`,
        email: `User${i}@Example.com`,
        firstName: maybe(`Given ${i}`),
        lastName: maybe(pick(['Lovelace', 'Hopper', 'Ñúñez', '山田'])),
        displayName: maybe(`Disp ${i}`),
        jobTitle: maybe(pick(['Analyst', 'Engineer'])),
        suspended: rand() < 0.2,
        employeeIdentifier: maybe(`E${i}`),
        department: maybe('Research'),
        company: maybe('Engines'),
        addresses: rand() < 0.5 ? [{ streetAddress: `${i} Main`, locality: pick(['London', 'Paris']), country: 'GB', primary: true }] : [],
        phoneNumbers: rand() < 0.5 ? [{ type: 'mobile', value: `+44 ${i}`, primary: true }, ...(rand() < 0.5 ? [{ type: 'work', value: `+44 9${i}`, primary: false }] : [])] : [],
        guest: rand() < 0.1,
      };
      const original = DirectoryUserFields.parse(input);
      const options = { sendDisplayName: true, enterpriseGrid: true };
      const sent = slackUserPayload({ ...original, id: `usr_${i}` }, options);
      const rec = slackEcho(sent as unknown as Record<string, unknown>, `U${String(i).padStart(10, '0')}`);
      const made = directoryUserFromScim(rec, { guest: original.guest });
      expect(made.ok, `user ${i}`).toBe(true);
      if (!made.ok) continue;
      // Slack lowercases usernames and shows the username where no display name was set.
      expect(made.user, `user ${i}`).toEqual({ ...original, username: original.username.toLowerCase(), displayName: original.displayName || original.username.toLowerCase() });
      const back = { ...made.user, id: `usr_${i}` };
      expect(diffSlackUser(back, slackUserPayload(back, options), rec, options), `user ${i}`).toEqual([]);
    }
  });

  it('round-trips through a plain SCIM target that echoes what it was sent', () => {
    const original = DirectoryUserFields.parse({ username: 'grace', email: 'grace@example.com', firstName: 'Grace', middleName: 'B', lastName: 'Hopper', jobTitle: 'Admiral', company: 'Navy' });
    const sent = toScimUser({ ...original, id: 'usr_g' }, { sendDisplayName: true });
    const made = directoryUserFromScim(ScimUser.parse({ ...sent, id: 'g-1' }));
    expect(made).toEqual({ ok: true, user: original });
  });
});

// ---- new or imported ----

const holder = (id: string, deleted = false): DirectoryHolder => ({ id, username: id, deleted });

describe('classify (M1)', () => {
  it.each<[string, ImportFacts, ReturnType<typeof classify>]>([
    ['nothing in the directory', {}, { status: 'new' }],
    ['linked', { linkedUserId: 'usr_l' }, { status: 'imported', match: 'linked', userId: 'usr_l' }],
    ['linked wins over any holder', { linkedUserId: 'usr_l', usernameHolder: holder('usr_n'), emailHolder: holder('usr_e') }, { status: 'imported', match: 'linked', userId: 'usr_l' }],
    ['one user with the username and the email', { usernameHolder: holder('usr_a'), emailHolder: holder('usr_a') }, { status: 'imported', match: 'same_user', userId: 'usr_a' }],
    ['the username and the email held by two users', { usernameHolder: holder('usr_n'), emailHolder: holder('usr_e') }, { status: 'imported', match: 'username', userId: 'usr_n' }],
    ['only the username', { usernameHolder: holder('usr_n') }, { status: 'imported', match: 'username', userId: 'usr_n' }],
    ['only the username, held by a deleted user', { usernameHolder: holder('usr_d', true) }, { status: 'imported', match: 'username', userId: 'usr_d' }],
    ['only the email', { emailHolder: holder('usr_e') }, { status: 'imported', match: 'email', userId: 'usr_e' }],
  ])('%s', (_name, facts, expected) => {
    expect(classify(facts)).toEqual(expected);
  });
});

// ---- decisions ----

const OPTS = { includeDeactivated: false, targetName: 'Slack' };

describe('decideImport: every combination of what the directory holds, the account and the options', () => {
  type Case = { linked: boolean; name: 'none' | 'a' | 'a_deleted' | 'b'; email: 'none' | 'a' | 'c'; active: boolean; include: boolean; valid: boolean };
  const cases: Case[] = [];
  for (const linked of [false, true])
    for (const name of ['none', 'a', 'a_deleted', 'b'] as const)
      for (const email of ['none', 'a', 'c'] as const)
        for (const active of [true, false]) for (const include of [false, true]) for (const valid of [true, false]) cases.push({ linked, name, email, active, include, valid });

  /** The rules in the order they apply, stated independently of the code. */
  function expected(c: Case): string {
    if (c.linked) return 'already_imported:linked';
    if (c.name === 'a' && c.email === 'a') return 'already_imported:same_user';
    if (c.name !== 'none') return 'refused:username_taken';
    if (c.email !== 'none') return 'refused:email_taken';
    if (!c.active && !c.include) return 'refused:deactivated';
    if (!c.valid) return 'refused:invalid_record';
    return 'created';
  }

  it(`covers ${2 * 4 * 3 * 2 * 2 * 2} cases`, () => {
    for (const c of cases) {
      const facts: ImportFacts = {
        ...(c.linked ? { linkedUserId: 'usr_l' } : {}),
        ...(c.name === 'none' ? {} : { usernameHolder: holder(c.name === 'b' ? 'usr_b' : 'usr_a', c.name === 'a_deleted') }),
        ...(c.email === 'none' ? {} : { emailHolder: holder(c.email === 'a' ? 'usr_a' : 'usr_c') }),
      };
      const rec = record({ active: c.active, ...(c.valid ? {} : { emails: [{ value: 'broken', primary: true }] }) });
      const d = decideImport('U1', rec, facts, { ...OPTS, includeDeactivated: c.include });
      const got = d.outcome === 'created' ? 'created' : d.outcome === 'already_imported' ? `already_imported:${d.match}` : `refused:${d.code}`;
      expect(got, JSON.stringify(c)).toBe(expected(c));
      if (d.outcome === 'created') expect(d.user.suspended).toBe(!c.active);
    }
  });

  it('an unknown ID is refused with where to find the right ones', () => {
    const d = decideImport('U404', null, {}, { ...OPTS, connectorId: 'con_7' });
    expect(d).toMatchObject({ outcome: 'refused', code: 'unknown_id', message: 'Slack has no user with ID U404.', fix: 'Check the ID against the import list (bindery connector import-list con_7).' });
  });

  it('says who holds a username and how to fix it (same person: bind; else rename)', () => {
    const d = decideImport('U1', record(), { usernameHolder: holder('usr_n') }, OPTS);
    expect(d.outcome === 'refused' && `${d.message} ${d.fix}`).toMatch(/^The username "ada" belongs to directory user usr_n .*add usr_n to a group bound to this connector.*bindery user update usr_n --username/);
  });

  it('says a deleted user keeps its username, and that only a rename in the target helps', () => {
    const d = decideImport('U1', record(), { usernameHolder: holder('usr_d', true) }, OPTS);
    expect(d.outcome === 'refused' && `${d.message} ${d.fix}`).toMatch(/deleted; a deleted user keeps its username.*Rename the account in Slack/);
  });

  it('says who holds an email and how to fix it', () => {
    const d = decideImport('U1', record(), { emailHolder: holder('usr_e') }, OPTS);
    expect(d.outcome === 'refused' && `${d.message} ${d.fix}`).toMatch(/belongs to directory user usr_e\. .*links this account by email.*--email/);
  });

  it('says how to import a deactivated account, and which fields a bad record has', () => {
    const deactivated = decideImport('U1', record({ active: false }), {}, OPTS);
    expect(deactivated.outcome === 'refused' && deactivated.fix).toMatch(/--include-deactivated/);
    const bad = decideImport('U1', record({ title: 'a\u0007b' }), {}, { ...OPTS, targetName: 'HR app' });
    expect(bad.outcome === 'refused' && `${bad.message} ${bad.fix}`).toMatch(/jobTitle: .*Correct it in HR app/);
  });
});

describe('decideImports: a batch', () => {
  const two = (a: Record<string, unknown>, b: Record<string, unknown>) => [
    { remoteId: 'U1', record: record({ id: 'U1', ...a }), facts: {} },
    { remoteId: 'U2', record: record({ id: 'U2', ...b }), facts: {} },
  ];

  it('lets the first of two accounts with one username have it, and refuses the second', () => {
    const out = decideImports(two({ userName: 'same', emails: [{ value: 'a@example.com' }] }, { userName: 'SAME', emails: [{ value: 'b@example.com' }] }), OPTS);
    expect(out.map((o) => o.decision.outcome)).toEqual(['created', 'refused']);
    expect(out[1]!.decision).toMatchObject({ code: 'username_taken', message: expect.stringMatching(/^Account U1, imported with it, has the same username/) });
  });

  it('likewise for one email', () => {
    const out = decideImports(two({ userName: 'a', emails: [{ value: 'x@example.com' }] }, { userName: 'b', emails: [{ value: 'X@example.com' }] }), OPTS);
    expect(out[1]!.decision).toMatchObject({ outcome: 'refused', code: 'email_taken' });
  });

  it('names the directory user before a user of the same batch', () => {
    const entries = two({ userName: 'a', emails: [{ value: 'x@example.com' }] }, { userName: 'taken', emails: [{ value: 'x@example.com' }] });
    entries[1]!.facts = { usernameHolder: holder('usr_t') };
    const out = decideImports(entries, OPTS);
    expect(out[1]!.decision).toMatchObject({ code: 'username_taken', message: expect.stringContaining('usr_t') });
  });

  it('claims nothing for accounts it does not create', () => {
    const entries = [
      { remoteId: 'U1', record: record({ id: 'U1', active: false }), facts: {} },
      { remoteId: 'U2', record: record({ id: 'U2' }), facts: {} },
      { remoteId: 'U3', record: null, facts: {} },
    ];
    const out = decideImports(entries, OPTS);
    expect(out.map((o) => [o.remoteId, o.userName, o.decision.outcome])).toEqual([
      ['U1', 'ada', 'refused'],
      ['U2', 'ada', 'created'],
      ['U3', null, 'refused'],
    ]);
    expect(countOf(out)).toEqual({ created: 1, alreadyImported: 0, refused: 2 });
  });
});

describe('what an item says', () => {
  it.each(REFUSAL_CODES)('a %s refusal is stored as one line starting with its code', (code) => {
    const text = reasonText({ outcome: 'refused', code, message: 'What happened.', fix: 'What to do.' });
    expect(text).toBe(`${code}: What happened. What to do.`);
    expect(reasonCode(text)).toBe(code);
  });

  it('already imported: how; created: nothing', () => {
    expect(reasonText({ outcome: 'already_imported', userId: 'usr_1', match: 'linked', note: 'Already linked.' })).toBe('linked: Already linked.');
    expect(reasonCode('same_user: x')).toBe('same_user');
    expect(reasonText({ outcome: 'created', user: DirectoryUserFields.parse({ username: 'a', email: 'a@example.com' }) })).toBeNull();
    expect(reasonCode(null)).toBeNull();
    expect(reasonCode('no code here')).toBeNull();
  });
});

// ---- the list ----

function candidate(remoteId: string, o: Partial<Candidate> = {}): Candidate {
  return { remoteId, userName: remoteId.toLowerCase(), displayName: '', name: '', email: `${remoteId.toLowerCase()}@example.com`, active: true, status: 'new', importable: true, ...o };
}

describe('the import list (M1)', () => {
  it('toCandidate: what the list shows of an account', () => {
    const rec = record({ name: { givenName: 'Ada', middleName: 'K', familyName: 'Lovelace' }, displayName: 'Ada L', active: false });
    expect(toCandidate(rec, {})).toEqual({ remoteId: 'U1', userName: 'ada', displayName: 'Ada L', name: 'Ada K Lovelace', email: 'ada@example.com', active: false, status: 'new', importable: false });
    expect(toCandidate(record(), { emailHolder: holder('usr_e') })).toMatchObject({ status: 'imported', match: 'email', userId: 'usr_e', importable: false, active: true });
  });

  it('orders new and active first, then new but deactivated, then imported; by username, then ID', () => {
    const list = [
      candidate('U5', { status: 'imported', importable: false, userName: 'aaa' }),
      candidate('U4', { active: false, importable: false, userName: 'aaa' }),
      candidate('U3', { userName: 'Zed' }),
      candidate('U2', { userName: 'bob' }),
      candidate('U1', { userName: 'bob' }),
    ];
    expect(candidatePage(list, { limit: 10 }).items.map((c) => c.remoteId)).toEqual(['U1', 'U2', 'U3', 'U4', 'U5']);
    expect(candidatePage(list, { limit: 10, newOnly: true }).items.map((c) => c.remoteId)).toEqual(['U1', 'U2', 'U3', 'U4']);
    expect(candidateKey(list[2]!)).toBe('0:zed:U3');
  });

  it('pages through any list once, in order, with no overlap, ending without a cursor', () => {
    const rand = prng(7);
    const list = Array.from({ length: 137 }, (_, i) =>
      candidate(`U${i}`, { userName: `u${Math.floor(rand() * 40)}`, active: rand() < 0.8, status: rand() < 0.6 ? 'new' : 'imported' }),
    );
    for (const limit of [1, 7, 50, 137, 500]) {
      const seen: string[] = [];
      let after: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const page = candidatePage(list, { limit, after });
        seen.push(...page.items.map((c) => c.remoteId));
        if (!page.next) break;
        after = page.next;
      }
      expect(seen, `limit ${limit}`).toEqual(candidatePage(list, { limit: 1000 }).items.map((c) => c.remoteId));
      expect(new Set(seen).size).toBe(137);
    }
    expect(candidatePage([], { limit: 5 })).toEqual({ items: [] });
  });

  it('searches by name or email: every word, ignoring case', () => {
    const c = candidate('U1', { userName: 'ada', name: 'Ada Lovelace', displayName: 'Countess', email: 'ada@engines.example' });
    expect(matchesSearch(c, 'LOVE')).toBe(true);
    expect(matchesSearch(c, 'ada engines')).toBe(true);
    expect(matchesSearch(c, 'countess')).toBe(true);
    expect(matchesSearch(c, 'ada hopper')).toBe(false);
    expect(matchesSearch(c, '   ')).toBe(true);
    expect(candidatePage([c, candidate('U2')], { limit: 5, search: 'lovelace' }).items).toEqual([c]);
  });

  it('counts new, imported and deactivated', () => {
    expect(candidateCounts([candidate('U1'), candidate('U2', { active: false }), candidate('U3', { status: 'imported' })])).toEqual({ total: 3, new: 2, imported: 1, deactivated: 1 });
  });
});

describe('the selection and the rest', () => {
  it('dedupes a selection, keeping the first order and reporting how often each duplicate came', () => {
    expect(dedupeSelection(['U2', 'U1', 'U2', 'U3', 'U2', 'U1'])).toEqual({ unique: ['U2', 'U1', 'U3'], duplicates: [{ remoteId: 'U2', times: 3 }, { remoteId: 'U1', times: 2 }] });
    expect(dedupeSelection([])).toEqual({ unique: [], duplicates: [] });
  });

  it('names the workflow import/<connectorId>/<importId>, and runs 100 accounts inline', () => {
    expect(importWorkflowId('con_1', 'imp_2')).toBe('import/con_1/imp_2');
    expect(INLINE_IMPORT_LIMIT).toBe(100);
  });

  it('adds counts', () => {
    expect(addCounts(noCounts(), { created: 2, alreadyImported: 1, refused: 3 })).toEqual({ created: 2, alreadyImported: 1, refused: 3 });
    expect(addCounts({ created: 1, alreadyImported: 1, refused: 1 }, { created: 2, alreadyImported: 0, refused: 1 })).toEqual({ created: 3, alreadyImported: 1, refused: 2 });
  });
});
