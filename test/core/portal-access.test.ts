import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  continuationQuery,
  greetingName,
  hashToken,
  isToken,
  launchRefusal,
  type LaunchFacts,
  newToken,
  PORTAL_PATHS,
  readContinuation,
  refusalText,
  safeNext,
  sameToken,
  showsTile,
  signInLinkUrl,
  userRefusal,
} from '../../core/portal-access';

describe('portal tokens', () => {
  it('are 256 random bits, URL-safe, different every time, and kept only as their SHA-256', () => {
    const tokens = Array.from({ length: 200 }, newToken);
    expect(new Set(tokens).size).toBe(200);
    for (const t of tokens) {
      expect(isToken(t)).toBe(true);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
      expect(hashToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
      expect(hashToken(t)).not.toContain(t);
    }
  });

  it.each([['', false], ['x'.repeat(42), false], ['x'.repeat(44), false], [`${'x'.repeat(42)}=`, false], [`${'x'.repeat(42)}/`, false], [undefined, false], [42, false], ['A-_9'.repeat(10) + 'abc', true]])('isToken(%j) is %s', (value, ok) => {
    expect(isToken(value)).toBe(ok);
  });

  it('compares secrets whole, whatever their length or type', () => {
    const t = newToken();
    expect(sameToken(t, t)).toBe(true);
    expect(sameToken(`${t}x`, t)).toBe(false);
    expect(sameToken(t.slice(1), t)).toBe(false);
    expect(sameToken(undefined, t)).toBe(false);
    expect(sameToken([t], t)).toBe(false);
  });

  it('builds the emailed link under the public base URL, with or without its trailing slash', () => {
    expect(signInLinkUrl('https://bindery.example.com', 'T')).toBe('https://bindery.example.com/portal/link/T');
    expect(signInLinkUrl('https://bindery.example.com/', 'T')).toBe('https://bindery.example.com/portal/link/T');
    expect(signInLinkUrl('https://example.com/idp/', 'T')).toBe('https://example.com/idp/portal/link/T');
    expect(PORTAL_PATHS.launch('con_1/x')).toBe('/portal/launch/con_1%2Fx');
  });
});

describe('where the portal may send the browser after sign-in', () => {
  it.each([
    ['/portal', '/portal'],
    ['/portal?bind=con_1', '/portal?bind=con_1'],
    ['/portal/launch/con_1', '/portal/launch/con_1'],
    ['/sso/con_1/saml/continue?request=_a&until=1&sig=x', '/sso/con_1/saml/continue?request=_a&until=1&sig=x'],
  ])('keeps its own page %s', (next, kept) => {
    expect(safeNext(next)).toBe(kept);
  });

  it.each([
    'https://evil.example.com/portal',
    '//evil.example.com/portal',
    '/portal//evil.example.com',
    '/\\evil.example.com',
    '/portal\\..\\x',
    '/portalx',
    '/ssox/con/saml',
    '/v1/users',
    '/portal/../v1/users',
    '/portal/..',
    'javascript:alert(1)',
    'portal',
    '',
    '/portal\n',
    `/portal?${'x'.repeat(5000)}`,
  ])('refuses %j', (next) => {
    expect(safeNext(next)).toBeUndefined();
  });

  it('refuses what is not a string', () => {
    for (const v of [undefined, null, 1, ['/portal'], { next: '/portal' }]) expect(safeNext(v)).toBeUndefined();
  });
});

const ok = { suspended: false, passwordExpired: false, deletedAt: null };

describe('who may sign in', () => {
  it('everyone but deleted, suspended or password-expired users, the first reason first', () => {
    expect(userRefusal(ok)).toBeUndefined();
    expect(userRefusal({ ...ok, suspended: true })).toBe('suspended');
    expect(userRefusal({ ...ok, passwordExpired: true })).toBe('password_expired');
    expect(userRefusal({ ...ok, deletedAt: new Date() })).toBe('deleted');
    expect(userRefusal({ suspended: true, passwordExpired: true, deletedAt: new Date() })).toBe('deleted');
    expect(userRefusal({ ...ok, suspended: true, passwordExpired: true })).toBe('suspended');
  });
});

describe('tiles and launches, for every combination of the facts', () => {
  const users = [ok, { ...ok, suspended: true }, { ...ok, passwordExpired: true }, { ...ok, deletedAt: new Date(0) }];
  const combos: LaunchFacts[] = [];
  for (const user of users)
    for (const ssoActive of [true, false])
      for (const showInUserPortal of [true, false])
        for (const authorized of [true, false])
          for (const bind of [undefined, 'pending', 'bound', 'expired'] as const) combos.push({ user, connector: { ssoActive, showInUserPortal }, authorized, bind });

  it.each(combos.map((f) => [JSON.stringify(f), f] as const))('%s', (_name, f) => {
    const userOk = userRefusal(f.user) === undefined;
    const launchable = userOk && f.connector.ssoActive && f.authorized && f.bind !== 'expired';
    expect(launchRefusal(f) === undefined).toBe(launchable);
    // The tile: shown in the portal, SSO on, authorized, and a user who may sign in; an expired bind shows it without a launch.
    expect(showsTile(f)).toBe(userOk && f.connector.showInUserPortal && f.connector.ssoActive && f.authorized);
    // Hiding the tile never stops an SP-initiated launch.
    if (!f.connector.showInUserPortal) expect(launchRefusal(f)).toBe(launchRefusal({ ...f, connector: { ...f.connector, showInUserPortal: true } }));
    const refusal = launchRefusal(f);
    if (refusal) expect(refusalText(refusal, 'Slack').length).toBeGreaterThan(10);
  });

  it('gives each refusal in the person’s words, naming the application where it matters', () => {
    expect(refusalText('bind_expired', 'Slack')).toBe('Your invitation to bind Slack has expired. Ask your administrator to send a new one.');
    expect(refusalText('not_authorized', 'Slack')).toContain('You do not have access to Slack');
    expect(refusalText('sso_inactive', 'Slack')).toContain('not turned on for Slack');
    expect(refusalText('suspended', 'Slack')).toContain('suspended');
    expect(refusalText('password_expired', 'Slack')).toContain('password has expired');
    expect(refusalText('deleted', 'Slack')).toContain('no longer in the directory');
  });
});

describe('continuations of SP-initiated sign-ins', () => {
  const key = Buffer.alloc(32, 7);
  const now = 1_800_000_000_000;
  const c = { connectorId: 'con_1', requestId: '_abc123', relayState: 'channel 42 & more', until: now + 60_000 };
  const parse = (q: string) => Object.fromEntries(new URLSearchParams(q));

  it('come back as they were signed, until they run out', () => {
    const q = parse(continuationQuery(key, c));
    expect(readContinuation(key, 'con_1', q, now)).toEqual(c);
    expect(readContinuation(key, 'con_1', q, c.until)).toEqual(c);
    expect(readContinuation(key, 'con_1', q, c.until + 1)).toBeUndefined();
    const { relayState: _r, ...withoutRelay } = c;
    expect(readContinuation(key, 'con_1', parse(continuationQuery(key, withoutRelay)), now)).toEqual(withoutRelay);
  });

  it('refuse any change: another connector, request, relay state, time, key or signature', () => {
    const q = parse(continuationQuery(key, c));
    expect(readContinuation(key, 'con_2', q, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, request: '_other' }, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, relay: 'elsewhere' }, now)).toBeUndefined();
    const { relay: _relay, ...noRelay } = q;
    expect(readContinuation(key, 'con_1', noRelay, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, until: String(c.until + 3_600_000) }, now)).toBeUndefined();
    expect(readContinuation(Buffer.alloc(32, 8), 'con_1', q, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, sig: `${q.sig!.slice(0, -2)}AA` }, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, sig: '' }, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, until: '1e20' }, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', { ...q, request: ['_abc123'] }, now)).toBeUndefined();
    expect(readContinuation(key, 'con_1', {}, now)).toBeUndefined();
  });
});

describe('how the portal greets a person', () => {
  it('by display name, else first and last name, else username', () => {
    expect(greetingName({ displayName: 'Ada L.', firstName: 'Ada', lastName: 'Lovelace', username: 'ada' })).toBe('Ada L.');
    expect(greetingName({ displayName: ' ', firstName: 'Ada', lastName: 'Lovelace', username: 'ada' })).toBe('Ada Lovelace');
    expect(greetingName({ displayName: '', firstName: '', lastName: 'Lovelace', username: 'ada' })).toBe('Lovelace');
    expect(greetingName({ displayName: '', firstName: '', lastName: '', username: 'ada' })).toBe('ada');
  });
});
