import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  CONTINUATION_MINUTES,
  continuationQuery,
  greetingName,
  isToken,
  launchRefusal,
  newToken,
  PORTAL_PATHS,
  readContinuation,
  refusalText,
  safeNext,
  sameToken,
  SESSION_HOURS,
  showsTile,
  SIGN_IN_LINK_MINUTES,
  SIGN_IN_LIMITS,
  signInLinkUrl,
  userRefusal,
  type UserRefusal,
} from '../core/portal-access';
import { loadConfig, publicBaseUrl } from '../core/config';
import { parseBindNext } from '../core/sso-binds';
import { authorizingConnectors, isAuthorized } from '../db/authorization';
import type { Db } from '../db/client';
import { getConnector } from '../db/connectors';
import { createSession, createSignInLink, deleteSession, findSession, liveUsersByEmail, peekSignInLink, purgePortal, redeemSignInLink } from '../db/portal-sessions';
import { bindsOfUser, getBind } from '../db/sso-binds';
import { type DirectoryUserRow, getUser } from '../db/users';
import type { MailMessage } from '../mail/mailer';
import { portalSignInMessage } from '../mail/messages';
import { change, DomainError, type DomainErrorKind } from '../services/context';
import { acceptAuthnRequest, idpSettingsFor, issueLoginResponse } from '../services/sso';
import { recordLaunch } from '../services/sso-binds';
import { postBindingPage, SamlError } from '../sso/idp';
import { IDP_PATHS } from '../sso/urls';
import { appsPage, checkEmailPage, continuePage, messagePage, signInPage, type Tile } from './pages';

/**
 * The user portal and the IdP's browser endpoints (issue 11 §2–3), served by the admin API's server as
 * public routes (no admin key; hidden from the OpenAPI document):
 *   GET  /portal                         sign-in form, or the person's applications
 *   POST /portal/sign-in                 emails a single-use link (rate-limited per address and per email)
 *   GET  /portal/link/<token>            asks to continue; POST /portal/link uses the link: a session
 *   POST /portal/sign-out
 *   POST /portal/launch/<connectorId>    IdP-initiated login: a signed response posted to the application
 *   GET|POST /sso/<connectorId>/saml     SP-initiated login (an AuthnRequest), after sign-in if needed
 *   GET  /sso/<connectorId>/saml/continue  where that comes back to, signed
 * Sessions are HttpOnly, SameSite=Lax cookies (Secure when served over TLS) whose IDs are stored hashed;
 * every POST carries a CSRF token (the session's, or before sign-in a double-submit cookie's).
 */

export type PortalDeps = {
  db: Db;
  /** Decrypts signing keys; signs SP-initiated continuations. */
  secretKey: Buffer;
  /** Wakes the outbox dispatcher after a launch is recorded. */
  notify?: () => void;
  /** Bindery's public base URL (BINDERY_PUBLIC_URL): the links in sign-in mail; unset → from the configuration. */
  publicUrl?: string;
  /** Sends the sign-in links (mail/mailer.ts); absent: nobody can sign in. */
  mailer?: { send(message: MailMessage): Promise<unknown> };
};

const SESSION_COOKIE = 'bindery_session';
/** Before sign-in there is no session: forms are protected by a double-submit token in this cookie. */
const FORM_COOKIE = 'bindery_form';
const PORTAL_BODY_LIMIT = 64 * 1024; // an HTTP-POST AuthnRequest is a few KiB

type Signed = { sessionId: string; csrfToken: string; user: DirectoryUserRow };

const DOMAIN_STATUS: Record<DomainErrorKind, number> = { not_found: 404, conflict: 409, invalid: 400, refused: 422, unreachable: 502 };
const Email = z.string().trim().toLowerCase().pipe(z.email().max(320));

export function portalRoutes(app: FastifyInstance, deps: PortalDeps): void {
  // Read at each request: the base URL may be set once the server listens (tests on port 0).
  const ssoDeps = {
    db: deps.db,
    secretKey: deps.secretKey,
    get publicUrl() {
      return deps.publicUrl;
    },
  };
  const publicUrl = () => deps.publicUrl ?? publicBaseUrl(loadConfig());

  app.register(async (portal) => {
    await portal.register(cookie);
    await portal.register(formbody, { bodyLimit: PORTAL_BODY_LIMIT });
    await portal.register(rateLimit, { global: false });
    const window = SIGN_IN_LIMITS.windowMinutes * 60_000;
    const perAddress = portal.createRateLimit({ max: SIGN_IN_LIMITS.perAddress, timeWindow: window });
    const perEmail = portal.createRateLimit({ max: SIGN_IN_LIMITS.perEmail, timeWindow: window, keyGenerator: (req) => `email:${String(body(req).email ?? '').trim().toLowerCase()}` });

    const cookieOptions = (req: FastifyRequest) => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https' || publicUrl().startsWith('https:') });

    function html(reply: FastifyReply, status: number, page: string, opts: { nonce?: string } = {}) {
      const policy = opts.nonce
        ? `default-src 'none'; script-src 'nonce-${opts.nonce}'; frame-ancestors 'none'; base-uri 'none'` // the HTTP-POST binding page: one inline script, posting to the application
        : "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
      return reply
        .code(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', policy)
        .send(page);
    }
    const message = (reply: FastifyReply, status: number, title: string, text: string, action = { href: PORTAL_PATHS.home, text: 'Back to the user portal' }) => html(reply, status, messagePage({ title, message: text, action }));

    /** The double-submit token of the forms shown before sign-in (set once per browser). */
    function formToken(req: FastifyRequest, reply: FastifyReply): string {
      const existing = req.cookies[FORM_COOKIE];
      if (isToken(existing)) return existing;
      const token = newToken();
      reply.setCookie(FORM_COOKIE, token, { ...cookieOptions(req), path: '/portal' });
      return token;
    }
    const formTokenOk = (req: FastifyRequest) => {
      const expected = req.cookies[FORM_COOKIE];
      return isToken(expected) && sameToken(body(req)._csrf, expected);
    };

    /** The signed-in person, or why their session ended (suspended meanwhile, …), or nobody. */
    async function signedIn(req: FastifyRequest, reply: FastifyReply): Promise<Signed | { refused: UserRefusal } | undefined> {
      const id = req.cookies[SESSION_COOKIE];
      if (!isToken(id)) return undefined;
      const session = await findSession(deps.db, id);
      if (!session) return undefined;
      const user = await getUser(deps.db, session.userId);
      const refused = user ? userRefusal(user) : 'deleted';
      if (refused || !user) {
        await deleteSession(deps.db, id);
        reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
        return { refused: refused ?? 'deleted' };
      }
      return { sessionId: id, csrfToken: session.csrfToken, user };
    }
    const isSigned = (s: Awaited<ReturnType<typeof signedIn>>): s is Signed => s !== undefined && 'user' in s;

    async function tilesOf(user: DirectoryUserRow): Promise<Tile[]> {
      const binds = await bindsOfUser(deps.db, user.id);
      const tiles: Tile[] = [];
      for (const connectorId of await authorizingConnectors(deps.db, user.id)) {
        const connector = await getConnector(deps.db, connectorId);
        if (!connector) continue;
        const facts = { user, connector, authorized: true, bind: binds.get(connectorId)?.state };
        if (!showsTile(facts)) continue;
        const refusal = launchRefusal(facts);
        tiles.push({ connectorId, label: connector.label, description: connector.description, launchable: !refusal, bindPending: facts.bind === 'pending', ...(refusal ? { note: refusalText(refusal, connector.label) } : {}) });
      }
      return tiles;
    }

    /**
     * Signs the person in to the application: a signed SAML response (IdP-initiated, or answering an
     * AuthnRequest) posted by the browser to its ACS. The first launch binds them (B2).
     */
    async function launch(req: FastifyRequest, reply: FastifyReply, s: Signed, connectorId: string, answer: { inResponseTo?: string; relayState?: string } = {}) {
      const connector = await getConnector(deps.db, connectorId);
      if (!connector) return message(reply, 404, 'No such application', 'This application does not exist (any more).');
      const bind = await getBind(deps.db, connectorId, s.user.id);
      const refusal = launchRefusal({ user: s.user, connector, authorized: await isAuthorized(deps.db, connectorId, s.user.id), bind: bind?.state });
      if (refusal) return message(reply, 403, `You cannot open ${connector.label}`, refusalText(refusal, connector.label));
      let settings;
      try {
        settings = await idpSettingsFor(ssoDeps, connectorId);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        req.log.warn({ requestId: req.id, connectorId, reason: err.kind }, 'portal: SSO not usable for the connector');
        return message(reply, 409, `${connector.label} is not ready`, `Single sign-on for ${connector.label} is not set up completely yet. Ask your administrator.`);
      }
      const user = s.user;
      const response = await issueLoginResponse(ssoDeps, settings, { email: user.email, userName: user.username, firstName: user.firstName, lastName: user.lastName }, answer);
      await change(deps, (tx) => recordLaunch(tx, connectorId, user.id));
      const nonce = newToken();
      return html(reply, 200, postBindingPage(response, { nonce }), { nonce });
    }

    portal.setErrorHandler((err, req, reply) => {
      const e = err as { status?: unknown; statusCode?: unknown; message?: string; name?: string };
      if (err instanceof DomainError) return message(reply, DOMAIN_STATUS[err.kind], 'That did not work', err.message);
      if (err instanceof SamlError) return message(reply, 400, 'Sign-in request refused', err.message);
      const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
      if (status >= 400 && status < 500) return message(reply, status, 'That did not work', e.message ?? 'The request was not understood.');
      req.log.error({ requestId: req.id, route: req.routeOptions.url ?? '(unmatched)', error: e.name ?? typeof err }, 'portal request failed');
      return message(reply, 500, 'Something went wrong', `The portal failed to handle the request; its log has the details under request ID ${req.id}.`);
    });

    const hidden = { schema: { hide: true }, config: { public: true } };

    portal.get(PORTAL_PATHS.home, hidden, async (req, reply) => {
      const s = await signedIn(req, reply);
      const q = req.query as Record<string, unknown>;
      const next = safeNext(q.next);
      if (isSigned(s)) {
        if (next) return reply.redirect(next, 303);
        const tiles = await tilesOf(s.user);
        const binding = typeof q.bind === 'string' ? tiles.find((t) => t.connectorId === q.bind && t.launchable) : undefined;
        return html(reply, 200, appsPage({ name: greetingName(s.user), email: s.user.email, csrfToken: s.csrfToken, tiles, ...(binding ? { notice: `Launch ${binding.label} once to bind your account to single sign-on.` } : {}) }));
      }
      return html(reply, 200, signInPage({ csrfToken: formToken(req, reply), next, ...(s ? { error: refusalText(s.refused, '') } : {}) }));
    });

    portal.post(PORTAL_PATHS.signIn, hidden, async (req, reply) => {
      const form = body(req);
      const next = safeNext(form.next);
      const again = (status: number, error: string) => html(reply, status, signInPage({ csrfToken: formToken(req, reply), next, email: typeof form.email === 'string' ? form.email : '', error }));
      if (!formTokenOk(req)) return again(403, 'The form had expired. Enter your email address again.');
      const byAddress = await perAddress(req);
      if (!byAddress.isAllowed && byAddress.isExceeded) return again(429, `Too many sign-in requests from your network. Try again in ${Math.ceil(byAddress.ttlInSeconds / 60)} minutes.`);
      const email = Email.safeParse(form.email);
      if (!email.success) return again(400, 'Enter a valid email address, like name@example.com.');
      const byEmail = await perEmail(req);
      if (!byEmail.isAllowed && byEmail.isExceeded) return again(429, `Too many sign-in links were asked for this address. Use the last one sent, or try again in ${Math.ceil(byEmail.ttlInSeconds / 60)} minutes.`);
      if (!deps.mailer) return message(reply, 503, 'Sign-in is not available', 'The portal cannot send sign-in links: no mail server is configured. Ask your administrator.');
      // The same answer whether or not the address is known: the form does not tell who is in the directory.
      for (const user of await liveUsersByEmail(deps.db, email.data)) {
        if (userRefusal(user)) continue;
        const token = await createSignInLink(deps.db, { userId: user.id, next: next ?? null, expiresAt: new Date(Date.now() + SIGN_IN_LINK_MINUTES * 60_000) });
        try {
          await deps.mailer.send({ to: user.email, ...portalSignInMessage({ userDisplayName: greetingName(user), link: signInLinkUrl(publicUrl(), token), validMinutes: SIGN_IN_LINK_MINUTES }) });
        } catch (err) {
          req.log.error({ requestId: req.id, error: err instanceof Error ? err.name : typeof err }, 'portal: the sign-in link could not be mailed');
        }
      }
      return html(reply, 200, checkEmailPage({ email: email.data }));
    });

    portal.get(`${PORTAL_PATHS.link}/:token`, hidden, async (req, reply) => {
      const { token } = req.params as { token: string };
      const link = isToken(token) ? await peekSignInLink(deps.db, token) : undefined;
      if (!link) return message(reply, 410, 'Link expired', 'This sign-in link has expired or was already used. Ask for a new one.', { href: PORTAL_PATHS.home, text: 'Ask for a new sign-in link' });
      return html(reply, 200, continuePage({ token, csrfToken: formToken(req, reply), bind: parseBindNext(link.next) !== undefined }));
    });

    portal.post(PORTAL_PATHS.link, hidden, async (req, reply) => {
      if (!formTokenOk(req)) return message(reply, 403, 'Form expired', 'This form had expired. Open the link from your email again.');
      const token = body(req).token;
      const link = isToken(token) ? await redeemSignInLink(deps.db, token) : undefined;
      if (!link) return message(reply, 410, 'Link expired', 'This sign-in link has expired or was already used. Ask for a new one.', { href: PORTAL_PATHS.home, text: 'Ask for a new sign-in link' });
      const user = await getUser(deps.db, link.userId);
      const refused = user ? userRefusal(user) : 'deleted';
      if (refused || !user) return message(reply, 403, 'You cannot sign in', refusalText(refused ?? 'deleted', ''));
      let target = safeNext(link.next) ?? PORTAL_PATHS.home;
      const bind = parseBindNext(link.next);
      if (bind) {
        const problem = await bindLinkProblem(deps.db, bind, user.id);
        if (problem) return message(reply, 410, 'Link no longer valid', problem);
        target = `${PORTAL_PATHS.home}?bind=${encodeURIComponent(bind.connectorId)}`;
      }
      const previous = req.cookies[SESSION_COOKIE];
      if (isToken(previous)) await deleteSession(deps.db, previous);
      const session = await createSession(deps.db, user.id, new Date(Date.now() + SESSION_HOURS * 3_600_000));
      reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOptions(req), maxAge: SESSION_HOURS * 3600 });
      await purgePortal(deps.db);
      return reply.redirect(target, 303);
    });

    portal.post(PORTAL_PATHS.signOut, hidden, async (req, reply) => {
      const s = await signedIn(req, reply);
      if (isSigned(s)) {
        if (!sameToken(body(req)._csrf, s.csrfToken)) return message(reply, 403, 'Form expired', 'This form had expired. Reload the page and try again.');
        await deleteSession(deps.db, s.sessionId);
        reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
      }
      return reply.redirect(PORTAL_PATHS.home, 303);
    });

    portal.post(PORTAL_PATHS.launchRoute, hidden, async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!isSigned(s)) return s ? message(reply, 403, 'You cannot sign in', refusalText(s.refused, '')) : reply.redirect(PORTAL_PATHS.home, 303);
      if (!sameToken(body(req)._csrf, s.csrfToken)) return message(reply, 403, 'Form expired', 'This form had expired. Reload the page and launch again.');
      return launch(req, reply, s, (req.params as { connectorId: string }).connectorId);
    });

    // SP-initiated login: the application sent the browser here with an AuthnRequest (HTTP-Redirect or
    // HTTP-POST). It is checked (and recorded, so it is answered once) at once; the answer comes from the
    // continuation URL, after the person signs in if they have not — also across the emailed link.
    const authnRequest = async (req: FastifyRequest, reply: FastifyReply) => {
      const { connectorId } = req.params as { connectorId: string };
      const binding = req.method === 'GET' ? 'redirect' : 'post';
      const fields = stringFields(binding === 'redirect' ? req.query : req.body);
      const rawQuery = binding === 'redirect' ? req.url.split('?')[1] ?? '' : undefined;
      const { request } = await acceptAuthnRequest(ssoDeps, connectorId, binding, fields, { rawQuery });
      const until = Date.now() + CONTINUATION_MINUTES * 60_000;
      const query = continuationQuery(deps.secretKey, { connectorId, requestId: request.id, until, ...(request.relayState !== undefined ? { relayState: request.relayState } : {}) });
      // A redirect also turns an HTTP-POST from the application's site into a same-site GET, which carries the SameSite=Lax session cookie.
      return reply.redirect(`${IDP_PATHS.sso(connectorId)}/continue?${query}`, 303);
    };
    portal.get(IDP_PATHS.ssoRoute, hidden, authnRequest);
    portal.post(IDP_PATHS.ssoRoute, hidden, authnRequest);

    portal.get(`${IDP_PATHS.ssoRoute}/continue`, hidden, async (req, reply) => {
      const { connectorId } = req.params as { connectorId: string };
      const c = readContinuation(deps.secretKey, connectorId, req.query as Record<string, unknown>);
      if (!c) return message(reply, 400, 'Sign-in request no longer valid', `This sign-in request has expired (after ${CONTINUATION_MINUTES} minutes) or was altered. Start signing in again from the application.`);
      const s = await signedIn(req, reply);
      if (s && !isSigned(s)) return message(reply, 403, 'You cannot sign in', refusalText(s.refused, ''));
      if (!isSigned(s)) return reply.redirect(`${PORTAL_PATHS.home}?next=${encodeURIComponent(req.url)}`, 303);
      return launch(req, reply, s, connectorId, { inResponseTo: c.requestId, ...(c.relayState !== undefined ? { relayState: c.relayState } : {}) });
    });
  });
}

function body(req: FastifyRequest): Record<string, unknown> {
  return typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
}

/** Query or form fields as strings (a repeated field keeps its first value). */
function stringFields(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/** Why a bind email's link may not be used now: a newer email replaced it, the window expired or ended. */
async function bindLinkProblem(db: Db, link: { connectorId: string; round: number }, userId: string): Promise<string | undefined> {
  const bind = await getBind(db, link.connectorId, userId);
  if (!bind) return 'This invitation is no longer valid: single sign-on was turned off for the application, or your access to it changed.';
  if (bind.round !== link.round) return 'A newer email replaced this link. Use the link in the most recent email.';
  if (bind.state === 'expired') return 'This invitation has expired. Ask your administrator to send a new one.';
  return undefined;
}
