import { randomBytes } from 'node:crypto';
import samlify from 'samlify';
import { SchemaError, validateSamlXml } from './schema';
import { SLACK_SAML } from './slack';

/**
 * Bindery's SAML 2.0 identity provider, one per connector (B3, issue 11): reading SP-initiated
 * AuthnRequests, and signed login responses for the HTTP-POST binding. Pure over its settings (no
 * database): the caller loads the settings (services/sso.ts idpSettingsFor) and refuses replays
 * (recordSamlMessage). XML is built from samlify's templates and signed by samlify (xml-crypto, RSA-SHA256);
 * every inbound message is schema-validated first (sso/schema.ts).
 */

export type IdpSettings = {
  connectorId: string;
  /** The IdP's entity ID: the issuer of every response ("Identity Provider Issuer" in Slack). */
  idpEntityId: string;
  /** Where SPs send AuthnRequests ("SAML 2.0 Endpoint (HTTP)" in Slack). */
  ssoUrl: string;
  /** The service provider's entity ID: the audience of every assertion. */
  spEntityId: string;
  /** The service provider's Assertion Consumer Service: where responses are posted (their recipient). */
  acsUrl: string;
  privateKeyPem: string;
  certificatePem: string;
  /**
   * The SP's certificate, when it signs its AuthnRequests (Slack's "Sign AuthnRequest" option): then
   * unsigned or wrongly signed requests are refused. Without it, requests are read unsigned, as Slack
   * sends them by default.
   */
  spCertificatePem?: string;
};

export type SamlSubject = { email: string; userName: string; firstName: string; lastName: string };
export type AuthnRequestInfo = { id: string; issuer: string; acsUrl?: string; relayState?: string; issueInstant: Date };

/** Why a SAML message was refused. */
export type SamlErrorCode =
  | 'malformed'
  | 'unsigned'
  | 'bad_signature'
  | 'unsupported'
  | 'wrong_issuer'
  | 'wrong_destination'
  | 'wrong_acs'
  | 'expired'
  | 'not_yet_valid'
  | 'replayed'
  | 'invalid_subject';

export class SamlError extends Error {
  constructor(
    readonly code: SamlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SamlError';
  }
}

/** The time rules: responses are valid briefly; requests are answered only while fresh; clocks may differ a little. */
export const SAML_TIMING = {
  responseValidityMs: 5 * 60_000,
  requestMaxAgeMs: 5 * 60_000,
  clockSkewMs: 60_000,
} as const;

export const SAML_URNS = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  nameIdEmail: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  /** Bindery's portal signs people in with a single-use emailed link: no password class fits. */
  authnContextUnspecified: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
} as const;

/** An AuthnRequest is a few hundred bytes; anything far larger is refused before the (costly) schema validation. */
const MAX_REQUEST_CHARS = 32 * 1024;

/** Signature algorithms accepted on signed AuthnRequests (no SHA-1). */
const REQUEST_SIG_ALGS = new Set<string>([SAML_URNS.rsaSha256, SAML_URNS.rsaSha512]);

let validatorSet = false;
function library(): typeof samlify {
  if (!validatorSet) {
    samlify.setSchemaValidator({ validate: validateSamlXml });
    validatorSet = true;
  }
  return samlify;
}

/** A SAML ID: an NCName (starts with a letter or underscore), 160 random bits. */
export function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** The response template: samlify's, with an AuthnStatement (the Web SSO profile requires one) and Slack's attributes. */
const AUTHN_STATEMENT =
  '<saml:AuthnStatement AuthnInstant="{AuthnInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>';
const ATTRIBUTE_TAGS = { email: 'email', userName: 'userName', firstName: 'firstName', lastName: 'lastName' } as const;
const ATTRIBUTES = (Object.keys(ATTRIBUTE_TAGS) as Array<keyof typeof ATTRIBUTE_TAGS>).map((key) => ({
  name: SLACK_SAML.attributes[key],
  nameFormat: SLACK_SAML.attributeNameFormat,
  valueTag: ATTRIBUTE_TAGS[key],
  valueXsiType: 'xs:string',
}));

type Entities = { idp: ReturnType<typeof samlify.IdentityProvider>; sp: ReturnType<typeof samlify.ServiceProvider> };

/**
 * samlify warns on the console for every IdP built without a single-logout endpoint. Slack has no single
 * logout (its SAML article says so), so Bindery declares none; only that one warning is dropped.
 */
function withoutLogoutWarning<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('SingleLogoutService')) warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

function entities(settings: IdpSettings, generateID: () => string = newSamlId): Entities {
  const lib = library();
  const idp = withoutLogoutWarning(() => lib.IdentityProvider({
    entityID: settings.idpEntityId,
    privateKey: settings.privateKeyPem,
    signingCert: settings.certificatePem,
    nameIDFormat: [SAML_URNS.nameIdEmail],
    singleSignOnService: [
      { Binding: SAML_URNS.redirect, Location: settings.ssoUrl },
      { Binding: SAML_URNS.post, Location: settings.ssoUrl },
    ],
    wantAuthnRequestsSigned: Boolean(settings.spCertificatePem),
    requestSignatureAlgorithm: SAML_URNS.rsaSha256,
    loginResponseTemplate: { context: lib.SamlLib.defaultLoginResponseTemplate.context.replace('{AuthnStatement}', AUTHN_STATEMENT), attributes: ATTRIBUTES },
    generateID,
  }));
  const sp = lib.ServiceProvider({
    entityID: settings.spEntityId,
    assertionConsumerService: [{ Binding: SAML_URNS.post, Location: settings.acsUrl }],
    ...(settings.spCertificatePem ? { signingCert: settings.spCertificatePem, authnRequestsSigned: true } : { authnRequestsSigned: false }),
    // Slack's defaults (and the seed's advice): the response is signed, the assertion inside it need not be.
    wantAssertionsSigned: SLACK_SAML.assertionsSigned,
    wantMessageSigned: SLACK_SAML.responsesSigned,
  });
  return { idp, sp };
}

/** The IdP metadata (EntityDescriptor) an SP can import: entity ID, SSO endpoints, signing certificate. */
export function idpMetadata(settings: Omit<IdpSettings, 'privateKeyPem'>): string {
  return entities({ ...settings, privateKeyPem: '' }).idp.getMetadata();
}

// ---------------------------------------------------------------------------------------------------------
// Inbound: SP-initiated AuthnRequests.

/**
 * The signed part of an HTTP-Redirect message (SAML bindings §3.4.4.1): `SAMLRequest=…&RelayState=…&SigAlg=…`
 * with the values as they were encoded in the URL. From the raw query string when the caller has it (exact),
 * else re-encoded the way SAML libraries encode them.
 */
function redirectOctetString(fields: Record<string, string>, rawQuery?: string): string {
  const names = ['SAMLRequest', 'RelayState', 'SigAlg'];
  if (rawQuery !== undefined) {
    const raw = new Map(
      rawQuery
        .replace(/^\?/, '')
        .split('&')
        .map((pair) => {
          const at = pair.indexOf('=');
          return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
        }),
    );
    return names.filter((n) => raw.has(n)).map((n) => `${n}=${raw.get(n)}`).join('&');
  }
  return names.filter((n) => fields[n] !== undefined).map((n) => `${n}=${encodeURIComponent(fields[n]!)}`).join('&');
}

const LIBRARY_REFUSALS: Array<[RegExp, SamlErrorCode, string]> = [
  [/MISSING_SIG_ALG/, 'unsigned', 'The AuthnRequest is not signed, but this connector requires signed requests (the service provider’s certificate is configured).'],
  [/SIGNATURE_VERIFICATION|VERIFY_SIGNATURE|UNMATCH_CERTIFICATE/, 'bad_signature', 'The AuthnRequest’s signature does not verify with the service provider’s certificate: it was altered, or signed with another key.'],
  [/UNSUPPORTED_SIGNATURE_ALGORITHM/, 'unsupported', 'The AuthnRequest is signed with an algorithm Bindery does not accept; sign with RSA-SHA256.'],
  [/WRAPPING_ATTACK/, 'malformed', 'The AuthnRequest is built in a way used to forge signatures; it was refused.'],
  [/ERR_INVALID_XML/, 'malformed', 'The AuthnRequest is not a valid SAML 2.0 message (it does not follow the SAML protocol schema).'],
];

function refusal(err: unknown): SamlError {
  if (err instanceof SamlError) return err;
  if (err instanceof SchemaError) return new SamlError('malformed', `The AuthnRequest is not a valid SAML 2.0 message: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  for (const [pattern, code, text] of LIBRARY_REFUSALS) if (pattern.test(message)) return new SamlError(code, text);
  return new SamlError('malformed', 'The AuthnRequest could not be read: it is not a deflated, base64-encoded SAML 2.0 AuthnRequest.');
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);

/** The algorithm of an embedded XML signature (HTTP-POST binding), when there is one. */
function embeddedSignatureAlgorithm(xml: string): string | undefined {
  try {
    const found = library().Extractor.extract(xml, [{ key: 'algorithm', localPath: ['AuthnRequest', 'Signature', 'SignedInfo', 'SignatureMethod'], attributes: ['Algorithm'] }]);
    return text(found.algorithm);
  } catch {
    return undefined;
  }
}

/** Whether a decoded message carries an XML signature of its own (HTTP-POST binding). */
function hasEmbeddedSignature(xml: string): boolean {
  try {
    const found = library().Extractor.extract(xml, [{ key: 'signature', localPath: ['AuthnRequest', 'Signature'], attributes: [], context: true }]);
    return Boolean(text(found.signature));
  } catch {
    return false;
  }
}

/**
 * Verifies an SP-initiated AuthnRequest (HTTP-Redirect query or HTTP-POST body fields) against the settings:
 * schema-valid, signed when the SP's certificate is configured (RSA-SHA256/512), issued by the configured SP,
 * sent to this IdP, asking for the configured ACS (or none), and fresh. Throws SamlError saying what is wrong.
 * Replays are the caller's to refuse (recordSamlMessage with the returned ID).
 */
export async function readAuthnRequest(
  settings: IdpSettings,
  binding: 'redirect' | 'post',
  fields: Record<string, string>,
  opts: { now?: Date; rawQuery?: string; maxAgeMs?: number } = {},
): Promise<AuthnRequestInfo> {
  const samlRequest = text(fields.SAMLRequest);
  if (!samlRequest) throw new SamlError('malformed', 'There is no SAMLRequest: a service provider starts sign-in by sending one (HTTP-Redirect or HTTP-POST binding).');
  if (samlRequest.length > MAX_REQUEST_CHARS) throw new SamlError('malformed', `The SAMLRequest is longer than ${MAX_REQUEST_CHARS} characters; an AuthnRequest is far smaller.`);
  const mustBeSigned = Boolean(settings.spCertificatePem);
  if (mustBeSigned && binding === 'redirect') {
    if (!fields.Signature || !fields.SigAlg) throw refusal(new Error('ERR_MISSING_SIG_ALG'));
    if (!REQUEST_SIG_ALGS.has(fields.SigAlg)) throw refusal(new Error('ERR_UNSUPPORTED_SIGNATURE_ALGORITHM'));
  }

  const { idp, sp } = entities(settings);
  let extract: Record<string, unknown>;
  try {
    const request = binding === 'redirect' ? { query: { ...fields, SAMLRequest: samlRequest }, octetString: redirectOctetString(fields, opts.rawQuery) } : { body: { ...fields, SAMLRequest: samlRequest } };
    extract = (await idp.parseLoginRequest(sp, binding, request)).extract as Record<string, unknown>;
  } catch (err) {
    // HTTP-POST: samlify says only that no signature verified; say whether there was one at all.
    if (binding === 'post' && /VERIFY_SIGNATURE/.test(String(err)) && !hasEmbeddedSignature(Buffer.from(samlRequest, 'base64').toString('utf8'))) throw refusal(new Error('ERR_MISSING_SIG_ALG'));
    throw refusal(err);
  }

  if (mustBeSigned && binding === 'post' && !REQUEST_SIG_ALGS.has(embeddedSignatureAlgorithm(Buffer.from(samlRequest, 'base64').toString('utf8')) ?? '')) {
    throw refusal(new Error('ERR_UNSUPPORTED_SIGNATURE_ALGORITHM'));
  }
  const req = (extract.request ?? {}) as Record<string, unknown>;
  const id = text(req.id);
  const issuer = text(extract.issuer);
  const issueInstantText = text(req.issueInstant);
  const destination = text(req.destination);
  const acsUrl = text(req.assertionConsumerServiceUrl);
  if (!id || !issueInstantText) throw new SamlError('malformed', 'The AuthnRequest has no ID or no IssueInstant.');
  if (!issuer) throw new SamlError('wrong_issuer', `The AuthnRequest does not say which service provider sent it (no Issuer); connector ${settings.connectorId} answers "${settings.spEntityId}" only.`);
  if (issuer !== settings.spEntityId) {
    throw new SamlError(
      'wrong_issuer',
      `The AuthnRequest comes from service provider "${issuer}", but connector ${settings.connectorId} answers "${settings.spEntityId}" only. If that is the same service, set its entity ID: bindery connector sso set ${settings.connectorId} --sp-entity-id ${issuer}`,
    );
  }
  if (destination !== undefined && destination !== settings.ssoUrl) {
    throw new SamlError('wrong_destination', `The AuthnRequest is addressed to "${destination}", not to this IdP (${settings.ssoUrl}): the service provider's SAML 2.0 endpoint setting points elsewhere.`);
  }
  if (mustBeSigned && destination === undefined) throw new SamlError('wrong_destination', 'A signed AuthnRequest must name its Destination (SAML bindings §3.4.5.2).');
  if (acsUrl !== undefined && acsUrl !== settings.acsUrl) {
    throw new SamlError(
      'wrong_acs',
      `The AuthnRequest asks for the response at "${acsUrl}", but connector ${settings.connectorId} posts responses only to ${settings.acsUrl}. If that is the service's real address: bindery connector sso set ${settings.connectorId} --acs-url ${acsUrl}`,
    );
  }
  const issueInstant = new Date(issueInstantText);
  if (Number.isNaN(issueInstant.getTime())) throw new SamlError('malformed', 'The AuthnRequest’s IssueInstant is not a date.');
  const now = (opts.now ?? new Date()).getTime();
  const maxAge = opts.maxAgeMs ?? SAML_TIMING.requestMaxAgeMs;
  if (issueInstant.getTime() > now + SAML_TIMING.clockSkewMs) {
    throw new SamlError('not_yet_valid', `The AuthnRequest was issued in the future (${issueInstant.toISOString()}): the service provider's clock is ahead; sign in again once clocks agree.`);
  }
  if (now - issueInstant.getTime() > maxAge + SAML_TIMING.clockSkewMs) {
    throw new SamlError('expired', `The AuthnRequest was issued at ${issueInstant.toISOString()}, more than ${Math.round(maxAge / 60_000)} minutes ago: start signing in again from the service.`);
  }
  const relayState = text(fields.RelayState);
  return { id, issuer, issueInstant, ...(acsUrl ? { acsUrl } : {}), ...(relayState ? { relayState } : {}) };
}

// ---------------------------------------------------------------------------------------------------------
// Outbound: signed login responses.

export type LoginResponse = {
  acsUrl: string;
  /** The base64 SAMLResponse form field. */
  samlResponse: string;
  relayState?: string;
  responseId: string;
  assertionId: string;
  /** When the response stops being valid (Conditions NotOnOrAfter): keep its ID until then. */
  notOnOrAfter: Date;
};

function checkSubject(subject: SamlSubject): void {
  if (!/^[^\s@]+@[^\s@]+$/.test(subject.email)) throw new SamlError('invalid_subject', 'The user has no usable email address; Slack identifies people by email (NameID and User.Email).');
  for (const [field, value] of Object.entries(subject)) {
    if (typeof value !== 'string') throw new SamlError('invalid_subject', `The user's ${field} is missing.`);
  }
}

/**
 * A signed SAML response for the HTTP-POST binding: the whole Response signed (RSA-SHA256, exclusive C14N),
 * NameID = email, the attributes Slack reads (User.Email, User.Username, first_name, last_name), audience =
 * the SP's entity ID, recipient and destination = its ACS URL, valid from now for SAML_TIMING.responseValidityMs.
 * With `inResponseTo` it answers an AuthnRequest (SP-initiated); without, it is IdP-initiated.
 */
export async function signedLoginResponse(settings: IdpSettings, subject: SamlSubject, opts: { inResponseTo?: string; relayState?: string; now?: Date } = {}): Promise<LoginResponse> {
  checkSubject(subject);
  const now = opts.now ?? new Date();
  const notOnOrAfter = new Date(now.getTime() + SAML_TIMING.responseValidityMs);
  const responseId = newSamlId();
  const assertionId = newSamlId();
  const lib = library();
  const { idp, sp } = entities(settings, () => responseId);
  const values = {
    ID: responseId,
    AssertionID: assertionId,
    Destination: settings.acsUrl,
    Audience: settings.spEntityId,
    SubjectRecipient: settings.acsUrl,
    Issuer: settings.idpEntityId,
    IssueInstant: now.toISOString(),
    StatusCode: lib.Constants.StatusCode.Success,
    ConditionsNotBefore: now.toISOString(),
    ConditionsNotOnOrAfter: notOnOrAfter.toISOString(),
    SubjectConfirmationDataNotOnOrAfter: notOnOrAfter.toISOString(),
    NameIDFormat: SAML_URNS.nameIdEmail,
    NameID: subject.email,
    InResponseTo: opts.inResponseTo,
    AuthnInstant: now.toISOString(),
    SessionIndex: assertionId,
    AuthnContextClassRef: SAML_URNS.authnContextUnspecified,
    attrEmail: subject.email,
    attrUserName: subject.userName,
    attrFirstName: subject.firstName,
    attrLastName: subject.lastName,
  };
  const requestInfo = opts.inResponseTo ? { extract: { request: { id: opts.inResponseTo } } } : { extract: {} };
  const answer = await idp.createLoginResponse(sp, requestInfo, 'post', { email: subject.email }, {
    ...(opts.relayState ? { relayState: opts.relayState } : {}),
    // The template's placeholders are filled here (values XML-escaped by samlify) so the times come from
    // `now`; samlify then signs the result.
    customTagReplacement: (template) => ({ id: responseId, context: lib.SamlLib.replaceTagsByValue(template, values) }),
  });
  return { acsUrl: settings.acsUrl, samlResponse: answer.context, responseId, assertionId, notOnOrAfter, ...(opts.relayState ? { relayState: opts.relayState } : {}) };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The HTTP-POST binding: a page whose form posts the response to the ACS by itself (a button when scripts
 * are off). `nonce` lets a page served under a Content-Security-Policy run its one inline script.
 */
export function postBindingPage(r: { acsUrl: string; samlResponse: string; relayState?: string }, opts: { nonce?: string } = {}): string {
  const relay = r.relayState === undefined ? '' : `\n<input type="hidden" name="RelayState" value="${escapeHtml(r.relayState)}">`;
  const nonce = opts.nonce ? ` nonce="${escapeHtml(opts.nonce)}"` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Signing in…</title></head>
<body>
<form method="post" action="${escapeHtml(r.acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(r.samlResponse)}">${relay}
<noscript><p>Scripts are off: press the button to continue signing in.</p><button type="submit">Continue</button></noscript>
</form>
<script${nonce}>document.forms[0].submit();</script>
</body></html>
`;
}
