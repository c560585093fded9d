import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Client, expectSlackError, startTestEmulator, userBody } from './helpers';
import type { RunningEmulator } from '../../emulator/server';

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => ({ emu, client } = await startTestEmulator()));
afterAll(() => emu.close());
beforeEach(() => client.reset());

/** Creates n users named p0001… in order, a few in parallel. */
async function createMany(n: number, prefix = 'p'): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    const batch = names.slice(i, i + 50);
    const results = await Promise.all(batch.map((userName) => client.scim('POST', '/Users', userBody({ userName }))));
    expect(results.every((r) => r.status === 201)).toBe(true);
  }
  return names;
}

const list = (query: string) => client.scim('GET', `/Users${query}`);

describe('GET /Users pagination', () => {
  it('defaults to startIndex 1 and 10 per page, with totalResults', async () => {
    await createMany(25);
    const res = await list('');
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([SCHEMAS.listResponse]);
    expect(res.body.totalResults).toBe(25);
    expect(res.body.itemsPerPage).toBe(10);
    expect(res.body.startIndex).toBe(1);
    expect(res.body.Resources).toHaveLength(10);
  });

  it('startIndex is 1-based and pages follow creation order', async () => {
    // Created one by one so the order is known.
    for (const userName of ['first', 'second', 'third']) await client.createUser({ userName });
    const page = await list('?startIndex=2&count=1');
    expect(page.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['second']);
    expect(page.body).toMatchObject({ totalResults: 3, itemsPerPage: 1, startIndex: 2 });
    expect((await list('?startIndex=0&count=1')).body.Resources[0].userName).toBe('first');
    const past = await list('?startIndex=10');
    expect(past.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
  });

  it('caps count at 1000', async () => {
    await createMany(1003);
    const res = await list('?count=5000');
    expect(res.body.totalResults).toBe(1003);
    expect(res.body.itemsPerPage).toBe(1000);
    expect(res.body.Resources).toHaveLength(1000);
    const rest = await list('?startIndex=1001&count=1000');
    expect(rest.body.Resources).toHaveLength(3);
  });

  it('includes deactivated users', async () => {
    const u = await client.createUser();
    await client.scim('DELETE', `/Users/${u.id}`);
    const res = await list('');
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0]).toMatchObject({ id: u.id, active: false });
  });
});

describe('GET /Users filter', () => {
  beforeEach(async () => {
    await client.createUser({ userName: 'alice', emails: [{ value: 'Alice@Example.com' }, { value: 'alice.home@example.com' }] });
    await client.createUser({ userName: 'bob', emails: [{ value: 'bob@example.com' }] });
  });

  const names = async (filter: string) => {
    const res = await list(`?filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(200);
    return res.body.Resources.map((u: { userName: string }) => u.userName);
  };

  it('userName eq, case-insensitive in attribute and value', async () => {
    expect(await names('userName eq "alice"')).toEqual(['alice']);
    expect(await names('USERNAME eq "ALICE"')).toEqual(['alice']);
    expect(await names('username EQ "Bob"')).toEqual(['bob']);
    expect(await names('userName eq "carol"')).toEqual([]);
  });

  it('emails eq and emails.value eq, case-insensitive, primary or secondary', async () => {
    expect(await names('emails eq "alice@example.com"')).toEqual(['alice']);
    expect(await names('Emails.Value eq "BOB@EXAMPLE.COM"')).toEqual(['bob']);
    expect(await names('emails eq "alice.home@example.com"')).toEqual(['alice']);
  });

  it('reports totalResults of the filtered set', async () => {
    const res = await list(`?filter=${encodeURIComponent('userName eq "bob"')}`);
    expect(res.body).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1 });
  });

  it('an empty filter answers 400 no_filters instead of listing everyone', async () => {
    for (const query of ['?filter=', '?filter', `?filter=${encodeURIComponent('   ')}`]) {
      expectSlackError(await list(query), 'no_filters');
    }
  });

  it('reads a single term in parentheses, and spaces inside a quoted value', async () => {
    expect(await names('(userName eq "alice")')).toEqual(['alice']);
    expect(await names('userName eq "ali  ce"')).toEqual([]);
  });

  it.each([
    ['userName eq', 'incomplete_filter'],
    ['userName', 'incomplete_filter'],
    ['userName eq "alice" and', 'incomplete_filter'],
    ['userName  eq "alice"', 'incomplete_filter'],
    [' userName eq "alice"', 'incomplete_filter'],
    ['userName eq "alice" ', 'incomplete_filter'],
    ['userName\teq "alice"', 'incomplete_filter'],
    ['(userName eq "alice"', 'invalid_filter_group'],
    ['userName eq "alice")', 'invalid_filter_group'],
    ['()', 'invalid_filter_group'],
    ['emails[value eq "bob@example.com"', 'invalid_filter_group'],
    ['(emails[value eq "bob@example.com")]', 'invalid_filter_group'],
    ['userName co "ali"', 'invalid_query'],
    ['title eq "x"', 'invalid_query'],
    ['userName eq "alice" or userName eq "bob"', 'invalid_query'],
    ['emails[value eq "bob@example.com"]', 'invalid_query'],
    ['userName eq true', 'invalid_query'],
    ['userName eq "alice" "bob"', 'invalid_query'],
    ['userName eq "alice" !', 'invalid_query'],
  ] as const)('refuses %j with %s', async (filter, code) => {
    expectSlackError(await list(`?filter=${encodeURIComponent(filter)}`), code);
  });

  it('refuses a filter given twice with invalid_query', async () => {
    const f = encodeURIComponent('userName eq "alice"');
    expectSlackError(await list(`?filter=${f}&filter=${f}`), 'invalid_query');
  });
});
