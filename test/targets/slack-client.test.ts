import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startEmulator } from '../../emulator/server';
import { ScimError } from '../../targets/errors';
import { slackClient } from '../../targets/slack/dialect';
import { DirectoryUserFields, type DirectoryUser, type DirectoryUserInput } from '../../core/directory';
import { diffScimUser as diffWith, toScimUser } from '../../core/mapping';
import { SLACK_COMPARE } from '../../targets/slack/mapping';
import { SLACK_ERRORS } from '../../targets/slack/facts';

const diffScimUser: typeof diffWith = (desired, actual, options = {}) => diffWith(desired, actual, { ...options, compare: SLACK_COMPARE });

/** The SCIM client over real loopback HTTP against the Slack SCIM emulator. */

const TOKEN = 'xoxp-emulator-secret-token-42';
type Emulator = Awaited<ReturnType<typeof startEmulator>>;

function dirUser(n: number, overrides: Partial<DirectoryUserInput> = {}): DirectoryUser {
  return { id: `dir-${n}`, ...DirectoryUserFields.parse({ username: `user${n}`, email: `user${n}@example.test`, firstName: 'Test', lastName: `User ${n}`, ...overrides }) };
}

async function control(emu: Emulator, path: 'reset' | 'faults', body: unknown = {}): Promise<void> {
  const res = await request(`${emu.origin}/_emulator/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.body.text();
  if (res.statusCode >= 300) throw new Error(`emulator control ${path} answered ${res.statusCode}`);
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

describe('ReturnType<typeof slackClient> against the emulator', () => {
  let emu: Emulator;
  let scim: ReturnType<typeof slackClient>;

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

  it('verify() accepts the right token', async () => {
    await expect(scim.verify()).resolves.toBeUndefined();
  });

  it('create → get → find → patch → deactivate', async () => {
    const user = dirUser(1, { username: 'Ada.Lovelace', email: 'Ada@Example.test', jobTitle: 'Analyst', department: 'Research' });
    const created = await scim.createUser(toScimUser(user));
    expect(created).toMatchObject({ userName: 'ada.lovelace', active: true, title: 'Analyst' });
    expect(created.id).toMatch(/^[UW]/);

    expect(await scim.getUser(created.id)).toMatchObject({ id: created.id, userName: 'ada.lovelace' });
    expect((await scim.findUserByUserName('ADA.LOVELACE'))?.id).toBe(created.id);
    expect((await scim.findUserByEmail('ada@EXAMPLE.test'))?.id).toBe(created.id);
    expect(await scim.findUserByUserName('nobody')).toBeNull();
    expect(await scim.findUserByEmail('nobody@example.test')).toBeNull();

    // What Slack holds now matches the directory: nothing to send.
    expect(diffScimUser(toScimUser(user), created)).toEqual([]);
    const changed = { ...user, jobTitle: 'Lead', lastName: 'Byron' };
    const ops = diffScimUser(toScimUser(changed), created);
    expect(ops).toHaveLength(2);
    const patched = await scim.patchUser(created.id, ops);
    expect(patched).toMatchObject({ title: 'Lead', name: { familyName: 'Byron' } });
    expect(diffScimUser(toScimUser(changed), patched)).toEqual([]);

    await scim.deactivateUser(created.id);
    expect(await scim.getUser(created.id)).toMatchObject({ id: created.id, active: false });
  });

  it('a user created with every mapped attribute reads back with nothing to patch', async () => {
    const user = dirUser(5, {
      middleName: 'Q',
      displayName: 'Five',
      jobTitle: 'Analyst',
      addresses: [{ type: 'home', locality: 'Bath' }, { type: 'work', streetAddress: '1 Main St', locality: 'London', postalCode: 'N1', country: 'GB', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+44 1' }, { type: 'work', value: '+44 2' }],
      employeeIdentifier: 'E-5',
      department: 'Research',
      company: 'Engines Ltd',
    });
    const on = { sendDisplayName: true };
    const created = await scim.createUser(toScimUser(user, on));
    expect(diffScimUser(toScimUser(user, on), created, on)).toEqual([]);
    const fetched = await scim.getUser(created.id);
    expect(fetched && diffScimUser(toScimUser(user, on), fetched, on)).toEqual([]);
  });

  it('replaceUser overwrites the user', async () => {
    const created = await scim.createUser(toScimUser(dirUser(2, { jobTitle: 'Analyst' })));
    const replaced = await scim.replaceUser(created.id, toScimUser(dirUser(2, { jobTitle: 'Lead' })));
    expect(replaced).toMatchObject({ id: created.id, title: 'Lead' });
  });

  it('getUser of an unknown ID is null; deactivating it is permanent no_such_user', async () => {
    expect(await scim.getUser('UNOSUCHUSER')).toBeNull();
    const e = await failureOf(scim.deactivateUser('UNOSUCHUSER'));
    expect(e).toMatchObject({ kind: 'permanent', code: 'no_such_user', status: 404 });
  });

  it('lists every user across pages', async () => {
    for (let i = 0; i < 25; i++) await scim.createUser(toScimUser(dirUser(100 + i)));
    const paths: string[] = [];
    const counting = new Agent().compose((dispatch) => (opts, handler) => {
      paths.push(String(opts.path));
      return dispatch(opts, handler);
    });
    const client = slackClient({ baseUrl: emu.baseUrl, token: TOKEN, dispatcher: counting });
    const names: string[] = [];
    for await (const page of client.listUsers({ pageSize: 10 })) for (const u of page) names.push(u.userName);
    expect(new Set(names).size).toBe(25);
    expect(names).toContain('user100');
    expect(names).toContain('user124');
    expect(paths.map((p) => new URL(p, 'http://x').searchParams.get('startIndex'))).toEqual(['1', '11', '21']);
    await counting.close();
  });

  it('a wrong token is permanent invalid_authentication and never shows in the message', async () => {
    const wrong = 'xoxp-wrong-token-should-not-leak';
    const e = await failureOf(slackClient({ baseUrl: emu.baseUrl, token: wrong }).verify());
    expect(e).toMatchObject({ kind: 'permanent', code: 'invalid_authentication', status: 401, explanation: SLACK_ERRORS.invalid_authentication.explain });
    expect(e.message).not.toContain(wrong);
    expect(e.message).not.toContain(TOKEN);
    expect(JSON.stringify(e)).not.toContain(wrong);
  });

  it('a taken email is permanent email_taken with its explanation, without the address in the message', async () => {
    await scim.createUser(toScimUser(dirUser(3, { email: 'shared@example.test' })));
    const e = await failureOf(scim.createUser(toScimUser(dirUser(4, { email: 'shared@example.test' }))));
    expect(e).toMatchObject({ kind: 'permanent', code: 'email_taken', status: 409, explanation: SLACK_ERRORS.email_taken.explain });
    expect(e.message).not.toContain('shared@example.test');
  });

  it('an injected 5xx is retryable', async () => {
    await control(emu, 'faults', { errorRate: 1, status: 503, latencyMs: 0 });
    const e = await failureOf(scim.getUser('U0000000000'));
    expect(e).toMatchObject({ kind: 'retryable', status: 503 });
    await control(emu, 'faults', { errorRate: 0, status: 500, latencyMs: 0 });
    await expect(scim.verify()).resolves.toBeUndefined();
  });

  it('injected latency beyond the timeout is a retryable timeout', async () => {
    await control(emu, 'faults', { errorRate: 0, status: 500, latencyMs: 1000 });
    const e = await failureOf(slackClient({ baseUrl: emu.baseUrl, token: TOKEN, timeoutMs: 100 }).verify());
    expect(e).toMatchObject({ kind: 'retryable', code: 'timeout' });
  });
});

describe('ReturnType<typeof slackClient> against the emulator with rate limits', () => {
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, token: TOKEN, rateLimits: { enabled: true, scale: 0.05 } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('a 429 is rate_limited with Retry-After of at least a second', async () => {
    const scim = slackClient({ baseUrl: emu.baseUrl, token: TOKEN });
    // POST /Users bursts 20 at full scale, so one at this scale: the next create is refused.
    let error: ScimError | undefined;
    for (let i = 0; i < 10 && !error; i++) {
      error = await scim.createUser(toScimUser(dirUser(200 + i))).then(
        () => undefined,
        (e: unknown) => {
          if (e instanceof ScimError) return e;
          throw e;
        },
      );
    }
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(error?.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });
});
