/**
 * Slack's SAML service provider, emulated (issue 11 §5): the workspace's SSO settings (set through the
 * controls, like a Workspace Owner pastes them into Slack), the ACS endpoint that checks a response the way
 * Slack does, an SP-initiated start that redirects the browser to the IdP with an AuthnRequest, and a record
 * of who signed in. The checking is @node-saml/node-saml's (signature, audience, time, InResponseTo), an
 * implementation independent of Bindery's IdP (samlify), plus what node-saml leaves to its caller:
 * destination, recipient, issuer and replays.
 */
import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import nodeSaml, { type CacheItem, type CacheProvider, type Profile } from '@node-saml/node-saml';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { generateSigningKey } from '../sso/keys';
import { defaultSpEntityId, SLACK_SAML } from '../sso/slack';
import type { EmulatedOrg } from './org';

export const SSO_CONTROL_PATH = '/_emulator/sso';
/** The browser-facing routes: public, like Slack's sign-in pages (no SCIM token), and not SCIM traffic. */
export const SAML_ROUTES = new Set<string>([SLACK_SAML.acsPath, SLACK_SAML.startPath]);

const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** How long an AuthnRequest the emulator sent may be answered. */
const REQUEST_TTL_MS = 10 * 60_000;
const DEFAULT_SKEW_SECONDS = 60;
const DEFAULT_TEAM = 'emulated';

const pem = z
  .string()
  .trim()
  .refine((s) => {
    try {
      new X509Certificate(s);
      return true;
    } catch {
      return false;
    }
  }, 'not a PEM X.509 certificate (paste the whole -----BEGIN CERTIFICATE----- block)');

/** What a Workspace Owner enters in Slack's SAML settings; the advanced options have Slack's defaults. */
export const ssoSettingsSchema = z.strictObject({
  idpSsoUrl: z.url().describe('SAML 2.0 Endpoint (HTTP)'),
  idpIssuer: z.string().trim().min(1).max(1024).describe('Identity Provider Issuer'),
  certificate: pem.describe('Public Certificate'),
  teamName: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a Slack team name: lowercase letters, digits, hyphens').optional(),
  spEntityId: z.string().trim().min(1).max(1024).optional().describe('Service Provider Issuer (default https://<teamname>.slack.com)'),
  acsUrl: z.url().optional().describe('where this emulator receives responses (default: its own /sso/saml)'),
  signAuthnRequests: z.boolean().optional().describe('Sign AuthnRequest'),
  clockSkewSeconds: z.number().int().min(0).max(600).optional(),
});

type Settings = Required<Omit<z.output<typeof ssoSettingsSchema>, 'acsUrl' | 'spEntityId'>> & { spEntityId: string; acsUrl: string; startUrl: string; spKey?: { privateKeyPem: string; certificatePem: string } };

export type SignIn = {
  at: string;
  team: string;
  nameId: string;
  email: string;
  userName?: string;
  firstName?: string;
  lastName?: string;
  /** `sp` when the response answered an AuthnRequest this emulator sent, else `idp` (a launch from the IdP's portal). */
  initiatedBy: 'idp' | 'sp';
  inResponseTo?: string;
  relayState?: string;
  responseId: string;
  /** The SCIM user holding the email, when there is one. */
  scimUserId?: string;
  scimUserActive?: boolean;
};
export type Refusal = { at: string; code: string; message: string };

/** The requests this emulator sent and not yet saw answered (node-saml checks InResponseTo against them). */
class OutstandingRequests implements CacheProvider {
  private readonly sent = new Map<string, number>();
  private sweep(now = Date.now()): void {
    for (const [id, at] of this.sent) if (now - at > REQUEST_TTL_MS) this.sent.delete(id);
  }
  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    this.sweep();
    if (this.sent.has(key)) return null;
    this.sent.set(key, Date.now());
    return { value, createdAt: Date.now() };
  }
  async getAsync(key: string): Promise<string | null> {
    this.sweep();
    const at = this.sent.get(key);
    return at === undefined ? null : new Date(at).toISOString();
  }
  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null || !this.sent.has(key)) return null;
    this.sent.delete(key);
    return key;
  }
  clear(): void {
    this.sent.clear();
  }
}

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** node-saml's refusals, in the words of the check that failed. */
const NODE_SAML_REFUSALS: Array<[RegExp, string]> = [
  [/audience mismatch|no AudienceRestriction|no Audience value/i, 'wrong_audience'],
  [/expired/i, 'expired'],
  [/not yet valid/i, 'not_yet_valid'],
  [/InResponseTo/i, 'unknown_request'],
  [/signature/i, 'bad_signature'],
];

/** One emulated workspace's SAML side; reset with the org. */
export class SamlServiceProvider {
  settings: Settings | undefined;
  readonly signIns: SignIn[] = [];
  readonly refusals: Refusal[] = [];
  private readonly outstanding = new OutstandingRequests();
  /** Response and assertion IDs already consumed, until they expire: a replay is refused. */
  private readonly consumed = new Map<string, number>();

  constructor(private readonly org: EmulatedOrg) {}

  reset(): void {
    this.settings = undefined;
    this.signIns.length = 0;
    this.refusals.length = 0;
    this.outstanding.clear();
    this.consumed.clear();
  }

  async configure(input: z.output<typeof ssoSettingsSchema>, origin: string): Promise<Settings> {
    const teamName = input.teamName ?? DEFAULT_TEAM;
    // Slack shows its own certificate once "Sign AuthnRequest" is checked; one key per configuration.
    const spKey = input.signAuthnRequests ? (this.settings?.spKey ?? (await generateSigningKey({ commonName: `${teamName}.slack.com (emulated)` }))) : undefined;
    this.settings = {
      idpSsoUrl: input.idpSsoUrl,
      idpIssuer: input.idpIssuer,
      certificate: input.certificate,
      teamName,
      spEntityId: input.spEntityId ?? defaultSpEntityId(teamName)!,
      acsUrl: input.acsUrl ?? `${origin}${SLACK_SAML.acsPath}`,
      startUrl: `${origin}${SLACK_SAML.startPath}`,
      signAuthnRequests: input.signAuthnRequests ?? false,
      clockSkewSeconds: input.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS,
      ...(spKey ? { spKey } : {}),
    };
    this.outstanding.clear();
    return this.settings;
  }

  private saml(settings: Settings) {
    return new nodeSaml.SAML({
      entryPoint: settings.idpSsoUrl,
      issuer: settings.spEntityId,
      audience: settings.spEntityId,
      callbackUrl: settings.acsUrl,
      idpCert: settings.certificate,
      idpIssuer: settings.idpIssuer,
      // Slack requires the response signed; the seed unchecks "Assertions Signed".
      wantAuthnResponseSigned: SLACK_SAML.responsesSigned,
      wantAssertionsSigned: SLACK_SAML.assertionsSigned,
      acceptedClockSkewMs: settings.clockSkewSeconds * 1000,
      validateInResponseTo: nodeSaml.ValidateInResponseTo.ifPresent,
      requestIdExpirationPeriodMs: REQUEST_TTL_MS,
      cacheProvider: this.outstanding,
      disableRequestedAuthnContext: true,
      signatureAlgorithm: 'sha256',
      ...(settings.spKey ? { privateKey: settings.spKey.privateKeyPem, publicCert: settings.spKey.certificatePem } : {}),
    });
  }

  /** The IdP URL with an AuthnRequest (HTTP-Redirect binding; signed when "Sign AuthnRequest" is on). */
  async startUrl(relayState: string): Promise<string> {
    const settings = this.requireSettings();
    return this.saml(settings).getAuthorizeUrlAsync(relayState, undefined, {});
  }

  private requireSettings(): Settings {
    if (!this.settings) throw new Refused('sso_not_configured', 'SAML single sign-on is not set up for this workspace (PUT /_emulator/sso first).');
    return this.settings;
  }

  private sweepConsumed(now: number): void {
    for (const [id, until] of this.consumed) if (until <= now) this.consumed.delete(id);
  }

  /** Checks a posted SAMLResponse as Slack does; records and returns the sign-in, or throws Refused. */
  async consume(samlResponse: string, relayState: string | undefined): Promise<SignIn> {
    const settings = this.requireSettings();
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
    const doc = parseXml(xml);
    const root = doc?.documentElement;
    if (!root || root.localName !== 'Response') throw new Refused('malformed', 'The SAMLResponse is not a SAML 2.0 Response.');
    if (root.getElementsByTagNameNS(DSIG_NS, 'Signature').length === 0) throw new Refused('unsigned', 'The SAML response is not signed; Slack requires a signed response.');
    const now = Date.now();
    this.sweepConsumed(now);
    if (this.consumed.has(`response:${root.getAttribute('ID') ?? ''}`)) throw new Refused('replayed', 'This SAML response was already used to sign in; a response is good for one sign-in only.');

    let profile: Profile | null;
    try {
      ({ profile } = await this.saml(settings).validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = NODE_SAML_REFUSALS.find(([pattern]) => pattern.test(message))?.[1] ?? 'invalid_response';
      throw new Refused(code, message);
    }
    if (!profile) throw new Refused('invalid_response', 'The SAML response carries no assertion.');
    // The whole response verified (wantAuthnResponseSigned), so the root's attributes are signed.
    if (root.getAttribute('Destination') !== settings.acsUrl) throw new Refused('wrong_destination', `The response is addressed to "${root.getAttribute('Destination') ?? ''}", not to this workspace's ACS URL ${settings.acsUrl}.`);
    if (profile.issuer !== settings.idpIssuer) throw new Refused('wrong_issuer', `The response was issued by "${profile.issuer}", not by the configured Identity Provider Issuer "${settings.idpIssuer}".`);
    const recipients = recipientsOf(profile.getAssertionXml?.() ?? '');
    if (recipients.length === 0 || recipients.some((r) => r !== settings.acsUrl)) throw new Refused('wrong_recipient', `The assertion's recipient is "${recipients.join(', ')}", not this workspace's ACS URL ${settings.acsUrl}.`);

    const responseId = root.getAttribute('ID') ?? '';
    const assertionId = assertionIdOf(profile.getAssertionXml?.() ?? '');
    if (!responseId || this.consumed.has(`response:${responseId}`) || (assertionId && this.consumed.has(`assertion:${assertionId}`))) {
      throw new Refused('replayed', 'This SAML response was already used to sign in; a response is good for one sign-in only.');
    }
    const conditions = (profile.getAssertion?.() as { Assertion?: { Conditions?: Array<{ $?: { NotOnOrAfter?: string } }> } } | undefined)?.Assertion?.Conditions?.[0]?.$?.NotOnOrAfter;
    const keepUntil = (conditions ? Date.parse(conditions) : now + REQUEST_TTL_MS) + settings.clockSkewSeconds * 1000;
    this.consumed.set(`response:${responseId}`, keepUntil);
    if (assertionId) this.consumed.set(`assertion:${assertionId}`, keepUntil);

    const attr = (name: string): string | undefined => {
      const value = (profile!.attributes as Record<string, unknown> | undefined)?.[name];
      return typeof value === 'string' ? value : undefined;
    };
    const email = attr(SLACK_SAML.attributes.email);
    if (!email) throw new Refused('missing_email', `The assertion has no ${SLACK_SAML.attributes.email} attribute; Slack requires the email.`);
    const scimUserId = this.org.store.userIdByEmail(email);
    const signIn: SignIn = {
      at: new Date(now).toISOString(),
      team: settings.teamName,
      nameId: profile.nameID,
      email,
      userName: attr(SLACK_SAML.attributes.userName),
      firstName: attr(SLACK_SAML.attributes.firstName),
      lastName: attr(SLACK_SAML.attributes.lastName),
      initiatedBy: profile.inResponseTo ? 'sp' : 'idp',
      ...(typeof profile.inResponseTo === 'string' ? { inResponseTo: profile.inResponseTo } : {}),
      ...(relayState ? { relayState } : {}),
      responseId,
      ...(scimUserId ? { scimUserId, scimUserActive: this.org.store.users.get(scimUserId)?.active } : {}),
    };
    this.signIns.push(signIn);
    return signIn;
  }

  refuse(err: Refused): void {
    this.refusals.push({ at: new Date().toISOString(), code: err.code, message: err.message });
  }

  view(): Record<string, unknown> | null {
    const s = this.settings;
    if (!s) return null;
    const { spKey, certificate, ...rest } = s;
    return { ...rest, certificateFingerprint: new X509Certificate(certificate).fingerprint256, ...(spKey ? { spCertificate: spKey.certificatePem } : {}) };
  }
}

/** XML parsed without resolving anything external; undefined when it is not well-formed. */
function parseXml(xml: string): Document | undefined {
  let broken = false;
  const doc = new DOMParser({ errorHandler: { warning: () => {}, error: () => (broken = true), fatalError: () => (broken = true) } }).parseFromString(xml, 'text/xml');
  return broken ? undefined : (doc as unknown as Document);
}

function recipientsOf(assertionXml: string): string[] {
  const doc = parseXml(assertionXml);
  if (!doc) return [];
  return Array.from(doc.getElementsByTagNameNS(ASSERTION_NS, 'SubjectConfirmationData')).map((e) => e.getAttribute('Recipient') ?? '');
}

function assertionIdOf(assertionXml: string): string | undefined {
  return parseXml(assertionXml)?.documentElement?.getAttribute('ID') ?? undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>\n`);
}

const originOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** Routes: the ACS and the SP-initiated start (public), and the controls under /_emulator/sso (token). */
export function registerSamlServiceProvider(app: FastifyInstance, sp: SamlServiceProvider): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.post(SLACK_SAML.acsPath, async (req, reply) => {
      const form = (req.body ?? {}) as Record<string, unknown>;
      const samlResponse = typeof form.SAMLResponse === 'string' ? form.SAMLResponse : undefined;
      const relayState = typeof form.RelayState === 'string' ? form.RelayState : undefined;
      try {
        if (!samlResponse) throw new Refused('malformed', 'No SAMLResponse was posted.');
        const signIn = await sp.consume(samlResponse, relayState);
        const who = signIn.userName ?? signIn.email;
        return page(reply, 200, `Signed in to ${signIn.team}`, `<h1>Signed in to ${escapeHtml(signIn.team)} as ${escapeHtml(who)}</h1><p>${escapeHtml(signIn.email)}</p>`);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        sp.refuse(err);
        return page(reply, 403, 'Sign-in refused', `<h1>Sign-in refused</h1><p id="code">${escapeHtml(err.code)}</p><p id="reason">${escapeHtml(err.message)}</p>`);
      }
    });

    scope.get(SLACK_SAML.startPath, async (req, reply) => {
      const relayState = (req.query as { RelayState?: string }).RelayState ?? 'emulated-slack';
      try {
        return reply.redirect(await sp.startUrl(relayState), 302);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        return page(reply, 404, 'SAML not set up', `<h1>SAML not set up</h1><p>${escapeHtml(err.message)}</p>`);
      }
    });
  });

  app.put(SSO_CONTROL_PATH, async (req, reply) => {
    const parsed = ssoSettingsSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_control_body', message: z.prettifyError(parsed.error) });
    await sp.configure(parsed.data, originOf(req));
    return sp.view();
  });
  app.get(SSO_CONTROL_PATH, async (_req, reply) => (sp.settings ? sp.view() : reply.code(404).send({ error: 'sso_not_configured' })));
  app.delete(SSO_CONTROL_PATH, async () => {
    sp.settings = undefined;
    return { ok: true };
  });
  app.get(`${SSO_CONTROL_PATH}/sign-ins`, async () => ({ items: sp.signIns }));
  app.get(`${SSO_CONTROL_PATH}/refusals`, async () => ({ items: sp.refusals }));
}
