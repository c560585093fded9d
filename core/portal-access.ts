import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The user portal's rules, pure: single-use sign-in links and sessions (random tokens, only their hashes
 * stored), where a link may lead afterwards, who may sign in, and when an application's tile shows and
 * launches.
 */

/** A sign-in link is valid this long (a bind email's link lasts the bind window instead). */
export const SIGN_IN_LINK_MINUTES = 15;
/** A portal session lasts this long, then the user signs in again. */
export const SESSION_HOURS = 12;

/** Sign-in requests allowed per client address, and per email address, within the window. */
export const SIGN_IN_LIMITS = { perAddress: 10, perEmail: 3, windowMinutes: 15 } as const;

/** The portal's pages, under Bindery's public base URL (BINDERY_PUBLIC_URL). */
export const PORTAL_PATHS = {
  home: '/portal',
  signIn: '/portal/sign-in',
  signOut: '/portal/sign-out',
  /** GET /portal/link/<token> asks to continue; the POST uses the link (so a mail scanner's visit does not). */
  link: '/portal/link',
  launch: (connectorId: string) => `/portal/launch/${encodeURIComponent(connectorId)}`,
  /** The route pattern of `launch`, for registering it. */
  launchRoute: '/portal/launch/:connectorId',
};

/** The address a sign-in link carries: the base URL and the link's page, without a doubled slash. */
export function signInLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${PORTAL_PATHS.link}/${token}`;
}

/** A fresh secret for a link, a session or a CSRF token: 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** How tokens are kept at rest: a SHA-256 digest (the tokens are random, so no salt or stretching is needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A token as `newToken` makes them; anything else is refused before any lookup. */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * Where the portal may send the browser after sign-in: its own pages and the SSO endpoints only, as a path
 * (never another site: an open redirect would lend Bindery's name to phishing). Undefined when refused.
 */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 4096) return undefined;
  if (!/^\/(portal|sso)(\/|\?|$)/.test(next)) return undefined;
  if (/[\\\p{Cc}]/u.test(next) || next.includes('//') || next.includes('/../') || next.endsWith('/..')) return undefined;
  return next;
}

export type PortalUser = { suspended: boolean; passwordExpired: boolean; deletedAt: Date | null };

/** Why a directory user may not sign in or launch anything; undefined when they may. */
export type UserRefusal = 'deleted' | 'suspended' | 'password_expired';

export function userRefusal(user: PortalUser): UserRefusal | undefined {
  if (user.deletedAt) return 'deleted';
  if (user.suspended) return 'suspended';
  if (user.passwordExpired) return 'password_expired';
  return undefined;
}

export type BindState = 'pending' | 'bound' | 'expired';

/** Why an application may not be launched now; undefined when it may. */
export type LaunchRefusal = UserRefusal | 'sso_inactive' | 'not_authorized' | 'bind_expired';

export type LaunchFacts = {
  user: PortalUser;
  connector: { ssoActive: boolean; showInUserPortal: boolean };
  /** Through a live bound group (db/authorization.ts, the one definition). */
  authorized: boolean;
  /** The user's bind window for this connector, if any. */
  bind: BindState | undefined;
};

/**
 * Whether the user may launch the application (IdP-initiated from the tile, or SP-initiated from the
 * application): SSO on, the user authorized and allowed to sign in, and their bind window not expired
 * (an expired one needs a new email from the admin: that is what expiry means).
 */
export function launchRefusal(f: LaunchFacts): LaunchRefusal | undefined {
  const refusal = userRefusal(f.user);
  if (refusal) return refusal;
  if (!f.connector.ssoActive) return 'sso_inactive';
  if (!f.authorized) return 'not_authorized';
  if (f.bind === 'expired') return 'bind_expired';
  return undefined;
}

/** The tile shows when the connector is shown in the user portal, SSO is on and the user is authorized. */
export function showsTile(f: LaunchFacts): boolean {
  return f.connector.showInUserPortal && f.connector.ssoActive && f.authorized && userRefusal(f.user) === undefined;
}

/** What the portal tells a person refused, in their words (never more than they may know). */
export function refusalText(refusal: LaunchRefusal, application: string): string {
  switch (refusal) {
    case 'deleted':
      return 'This account is no longer in the directory.';
    case 'suspended':
      return 'Your account is suspended, so you cannot sign in. Ask your administrator.';
    case 'password_expired':
      return 'Your password has expired, so you cannot sign in. Ask your administrator to reset it.';
    case 'sso_inactive':
      return `Single sign-on is not turned on for ${application}.`;
    case 'not_authorized':
      return `You do not have access to ${application}. Ask your administrator.`;
    case 'bind_expired':
      return `Your invitation to bind ${application} has expired. Ask your administrator to send a new one.`;
  }
}

/** How mail and pages greet a person: their display name, else first and last name, else their username. */
export function greetingName(user: { displayName: string; firstName: string; lastName: string; username: string }): string {
  return user.displayName.trim() || `${user.firstName} ${user.lastName}`.trim() || user.username;
}

/**
 * An SP-initiated sign-in waiting for the person to sign in to the portal first: the AuthnRequest was read
 * and checked (and recorded, so it is answered once); what the answer needs travels in the URL the portal
 * comes back to, signed with Bindery's secret key so it cannot be altered, and valid for a limited time.
 */
export type Continuation = { connectorId: string; requestId: string; relayState?: string; until: number };

/** How long a person has to sign in (the emailed link included) before an SP-initiated sign-in must start again. */
export const CONTINUATION_MINUTES = 30;

function continuationMac(key: Buffer, c: Continuation): Buffer {
  return createHmac('sha256', key)
    .update(`bindery sso continuation\n${JSON.stringify([c.connectorId, c.requestId, c.relayState ?? null, c.until])}`)
    .digest();
}

/** The query string (without `?`) of the URL that resumes the sign-in. */
export function continuationQuery(key: Buffer, c: Continuation): string {
  const q = new URLSearchParams({ request: c.requestId, until: String(c.until) });
  if (c.relayState !== undefined) q.set('relay', c.relayState);
  q.set('sig', continuationMac(key, c).toString('base64url'));
  return q.toString();
}

/** The continuation a query carries, when its signature holds and it has not run out; else undefined. */
export function readContinuation(key: Buffer, connectorId: string, query: Record<string, unknown>, now = Date.now()): Continuation | undefined {
  const { request, relay, until, sig } = query;
  if (typeof request !== 'string' || typeof until !== 'string' || typeof sig !== 'string' || (relay !== undefined && typeof relay !== 'string')) return undefined;
  if (!/^[0-9]{1,15}$/.test(until)) return undefined;
  const c: Continuation = { connectorId, requestId: request, until: Number(until), ...(relay !== undefined ? { relayState: relay } : {}) };
  const given = Buffer.from(sig, 'base64url');
  const expected = continuationMac(key, c);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return c.until >= now ? c : undefined;
}

/** Two secrets compared in constant time (CSRF tokens). */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
