import { randomBytes } from 'node:crypto';
import samlify from 'samlify';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import type { IdpSettings, SamlSubject } from '../../sso/idp';
import { certificateBody, generateSigningKey, type SigningKey } from '../../sso/keys';

/** One connector's IdP as the tests sign with it; the ACS URL is the emulator's. */
export function idpSettings(key: SigningKey, over: Partial<IdpSettings> = {}): IdpSettings {
  return {
    connectorId: 'con_test',
    idpEntityId: 'https://sso.bindery.local/saml2/slack',
    ssoUrl: 'http://bindery.test/sso/con_test/saml',
    spEntityId: 'https://acme.slack.com',
    acsUrl: 'http://127.0.0.1:1/sso/saml',
    privateKeyPem: key.privateKeyPem,
    certificatePem: key.certificatePem,
    ...over,
  };
}

export const ADA: SamlSubject = { email: 'ada@example.com', userName: 'ada', firstName: 'Ada', lastName: 'Lovelace' };

/** A running emulator (Slack) and its SAML controls. */
export async function emulatedSlack(): Promise<{
  emulator: RunningEmulator;
  token: string;
  acsUrl: string;
  startUrl: string;
  control: <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
  configure: (settings: IdpSettings, extra?: Record<string, unknown>) => Promise<any>;
  post: (samlResponse: string, relayState?: string) => Promise<{ status: number; html: string; code?: string }>;
  start: (relayState?: string) => Promise<URL>;
}> {
  const token = `xoxp-${randomBytes(8).toString('hex')}`;
  const emulator = await startEmulator({ port: 0, token, rateLimits: { enabled: false } });
  const acsUrl = `${emulator.origin}/sso/saml`;
  const control = async <T = any>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emulator.origin}/_emulator${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  /** What a Workspace Owner pastes into Slack: the IdP's endpoint, issuer and certificate. */
  const configure = async (settings: IdpSettings, extra: Record<string, unknown> = {}) => {
    const res = await control('PUT', '/sso', { idpSsoUrl: settings.ssoUrl, idpIssuer: settings.idpEntityId, certificate: settings.certificatePem, teamName: 'acme', ...extra });
    if (res.status !== 200) throw new Error(`emulator SSO settings refused: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const post = async (samlResponse: string, relayState?: string) => {
    const res = await fetch(acsUrl, { method: 'POST', body: new URLSearchParams({ SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) }) });
    const html = await res.text();
    return { status: res.status, html, code: /<p id="code">([^<]*)<\/p>/.exec(html)?.[1] };
  };
  const start = async (relayState?: string) => {
    const res = await fetch(`${emulator.origin}/sso/saml/start${relayState ? `?RelayState=${encodeURIComponent(relayState)}` : ''}`, { redirect: 'manual' });
    if (res.status !== 302) throw new Error(`start answered ${res.status}: ${await res.text()}`);
    return new URL(res.headers.get('location')!);
  };
  return { emulator, token, acsUrl, startUrl: `${emulator.origin}/sso/saml/start`, control, configure, post, start };
}

export const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
export const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
export const withoutSignature = (xml: string) => xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, '');

/** Signs a Response again after a test changed it: a validly signed message saying something else. */
export function resign(xml: string, key: SigningKey): string {
  return samlify.SamlLib.constructSAMLSignature({
    rawSamlMessage: withoutSignature(xml),
    isMessageSigned: true,
    privateKey: key.privateKeyPem,
    signingCert: certificateBody(key.certificatePem),
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' } },
    isBase64Output: true,
  });
}

let shared: Promise<SigningKey> | undefined;
/** One key pair per test file (generating one takes a moment). */
export function testKey(): Promise<SigningKey> {
  shared ??= generateSigningKey({ commonName: 'Bindery IdP test' });
  return shared;
}

export const query = (url: URL) => Object.fromEntries(url.searchParams) as Record<string, string>;
