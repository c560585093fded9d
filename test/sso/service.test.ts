import { createPrivateKey, X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import nodeSaml from '@node-saml/node-saml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConnector, deleteConnector, setSsoActive } from '../../db/connectors';
import { listSsoKeys } from '../../db/sso';
import { generateKey, parseKey } from '../../secrets/secrets';
import { DomainError } from '../../services/context';
import { acceptAuthnRequest, activateSsoKey, createSsoKey, deleteSsoKey, idpSettingsFor, issueLoginResponse, recordSamlMessage, ssoCertificate, ssoConfig, ssoMetadata, type SsoDeps, updateSso } from '../../services/sso';
import { SamlError } from '../../sso/idp';
import { certificateBody, generateSigningKey } from '../../sso/keys';
import { openFreshDatabase } from '../support/database';
import { TEST_DATABASE_URL } from '../support/database-url';
import { ADA } from './helpers';

// Key generation, signing and XML Schema validation take a second or more on a loaded machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

// SAML settings per connector on PostgreSQL: defaults, keys (encrypted, generated once, rotated), metadata,
// the settings the IdP signs with, and replays refused.
let database: Awaited<ReturnType<typeof openFreshDatabase>>;
let deps: SsoDeps;
const PUBLIC = 'https://bindery.example.com';

beforeAll(async () => {
  database = await openFreshDatabase(TEST_DATABASE_URL);
  deps = { db: database.db, secretKey: parseKey(generateKey()), publicUrl: PUBLIC };
});
afterAll(() => database?.close());

const slackConnector = (team = 'acme') => createConnector(database.db, deps.secretKey, { label: `Slack ${team}`, teamName: team, teamDomain: `${team}.slack.com` });

async function domainError(p: Promise<unknown>, kind: DomainError['kind']): Promise<DomainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe(kind);
  return err as DomainError;
}

describe('a Slack connector’s SAML settings', () => {
  it("default to the connector's IdP URL as issuer, Bindery's public SSO URL, and Slack's SP for the team", async () => {
    const c = await slackConnector();
    const config = await ssoConfig(deps, c.id);
    expect(config).toMatchObject({
      connectorId: c.id,
      active: false,
      idpEntityId: c.ssoIdpUrl,
      idpEntityIdIsDefault: true,
      ssoUrl: `${PUBLIC}/sso/${c.id}/saml`,
      spEntityId: 'https://acme.slack.com',
      spEntityIdIsDefault: true,
      acsUrl: 'https://acme.slack.com/sso/saml',
      acsUrlIsDefault: true,
      missing: [],
    });
    expect(config.slack).toEqual({
      samlEndpoint: config.ssoUrl,
      identityProviderIssuer: c.ssoIdpUrl,
      publicCertificate: config.keys[0]!.certificatePem,
      serviceProviderIssuer: 'https://acme.slack.com',
      responsesSigned: true,
      assertionsSigned: false,
      signAuthnRequest: false,
    });
    expect(config).toMatchObject({ requestsSigned: false, spCertificate: null });
  });

  it('get one signing key, generated on first use and stored encrypted', async () => {
    const c = await slackConnector();
    const first = await ssoConfig(deps, c.id);
    const again = await ssoConfig(deps, c.id);
    expect(again.activeKeyId).toBe(first.activeKeyId);
    const rows = await listSsoKeys(database.db, c.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.privateKeyEncrypted).toMatch(/^v1\./);
    expect(rows[0]!.privateKeyEncrypted).not.toContain('PRIVATE KEY');
    expect(first.keys).toEqual([expect.objectContaining({ id: rows[0]!.id, active: true, fingerprintSha256: new X509Certificate(rows[0]!.certificatePem).fingerprint256 })]);
    expect(JSON.stringify(first)).not.toContain('PRIVATE KEY');
  });

  it('keep one key when several first reads race', async () => {
    const c = await slackConnector();
    const configs = await Promise.all([ssoConfig(deps, c.id), ssoConfig(deps, c.id), ssoConfig(deps, c.id)]);
    expect(new Set(configs.map((x) => x.activeKeyId)).size).toBe(1);
    expect(await listSsoKeys(database.db, c.id)).toHaveLength(1);
  });

  it('can be changed, and back to their defaults with null', async () => {
    const c = await slackConnector();
    const changed = await updateSso(deps, c.id, { acsUrl: 'http://127.0.0.1:8099/sso/saml', spEntityId: 'https://slack.com', idpEntityId: 'https://idp.example.com/acme' });
    expect(changed).toMatchObject({ acsUrl: 'http://127.0.0.1:8099/sso/saml', acsUrlIsDefault: false, spEntityId: 'https://slack.com', idpEntityId: 'https://idp.example.com/acme', idpEntityIdIsDefault: false });
    const reset = await updateSso(deps, c.id, { acsUrl: null, spEntityId: null, idpEntityId: null });
    expect(reset).toMatchObject({ acsUrl: 'https://acme.slack.com/sso/saml', spEntityId: 'https://acme.slack.com', idpEntityId: c.ssoIdpUrl });
  });

  it('are refused for an unknown connector', async () => {
    await domainError(ssoConfig(deps, 'con_missing'), 'not_found');
  });

  it('go with the connector when it is deleted', async () => {
    const c = await slackConnector();
    await ssoConfig(deps, c.id);
    await deleteConnector(database.db, c.id);
    expect(await listSsoKeys(database.db, c.id)).toEqual([]);
  });
});

describe('the settings the IdP signs with', () => {
  it('are refused while SSO is off, saying how to turn it on', async () => {
    const c = await slackConnector();
    const err = await domainError(idpSettingsFor(deps, c.id), 'conflict');
    expect(err.describe('cli')).toContain(`bindery connector sso enable ${c.id}`);
  });

  it('carry the decrypted private key of the signing certificate once SSO is on', async () => {
    const c = await slackConnector();
    await setSsoActive(database.db, c.id, true);
    const settings = await idpSettingsFor(deps, c.id);
    expect(settings).toMatchObject({ connectorId: c.id, idpEntityId: c.ssoIdpUrl, ssoUrl: `${PUBLIC}/sso/${c.id}/saml`, spEntityId: 'https://acme.slack.com', acsUrl: 'https://acme.slack.com/sso/saml' });
    expect(new X509Certificate(settings.certificatePem).checkPrivateKey(createPrivateKey(settings.privateKeyPem))).toBe(true);
  });

  it('need a service provider: a generic SCIM connector has no default one', async () => {
    const c = await createConnector(database.db, deps.secretKey, { kind: 'scim', label: 'HR app' });
    await setSsoActive(database.db, c.id, true);
    expect((await ssoConfig(deps, c.id)).missing).toEqual(['spEntityId', 'acsUrl']);
    const err = await domainError(idpSettingsFor(deps, c.id), 'conflict');
    expect(err.describe('cli')).toContain('--sp-entity-id');
    await updateSso(deps, c.id, { spEntityId: 'https://hr.example.com', acsUrl: 'https://hr.example.com/saml/acs' });
    await expect(idpSettingsFor(deps, c.id)).resolves.toMatchObject({ spEntityId: 'https://hr.example.com', acsUrl: 'https://hr.example.com/saml/acs' });
  });
});

describe('key rotation', () => {
  /** Whether Slack (node-saml) holding `certificate` accepts a response signed with the connector's current settings. */
  async function acceptedWith(connectorId: string, certificate: string): Promise<boolean> {
    const settings = await idpSettingsFor(deps, connectorId);
    const response = await issueLoginResponse(deps, settings, ADA);
    const sp = new nodeSaml.SAML({ idpCert: certificate, issuer: settings.spEntityId, audience: settings.spEntityId, callbackUrl: settings.acsUrl, wantAssertionsSigned: false });
    return sp.validatePostResponseAsync({ SAMLResponse: response.samlResponse }).then(
      () => true,
      () => false,
    );
  }

  it('keeps signing with the old key until the switch, then with the new one', async () => {
    const c = await slackConnector();
    await setSsoActive(database.db, c.id, true);
    const old = await ssoCertificate(deps, c.id);

    const rotated = await createSsoKey(deps, c.id);
    expect(rotated.activeKeyId).toBe(old.keyId);
    expect(rotated.keys.map((k) => [k.id, k.active])).toEqual([
      [old.keyId, true],
      [rotated.createdKeyId, false],
    ]);
    const fresh = await ssoCertificate(deps, c.id, rotated.createdKeyId);
    expect(fresh.pem).not.toBe(old.pem);
    expect(await acceptedWith(c.id, old.pem)).toBe(true);
    expect(await acceptedWith(c.id, fresh.pem)).toBe(false);

    const switched = await activateSsoKey(deps, c.id, rotated.createdKeyId);
    expect(switched.activeKeyId).toBe(rotated.createdKeyId);
    expect(switched.slack.publicCertificate).toBe(fresh.pem);
    expect(await acceptedWith(c.id, fresh.pem)).toBe(true);
    expect(await acceptedWith(c.id, old.pem)).toBe(false);

    // The old key is kept until deleted; the one in use cannot be.
    expect((await ssoConfig(deps, c.id)).keys).toHaveLength(2);
    await domainError(deleteSsoKey(deps, c.id, rotated.createdKeyId), 'conflict');
    expect((await deleteSsoKey(deps, c.id, old.keyId)).keys.map((k) => k.id)).toEqual([rotated.createdKeyId]);
    await domainError(deleteSsoKey(deps, c.id, old.keyId), 'not_found');
    await domainError(activateSsoKey(deps, c.id, 'key_unknown'), 'not_found');
  });

  it('makes the first key of a connector its signing key at once', async () => {
    const c = await slackConnector();
    const created = await createSsoKey(deps, c.id);
    expect(created.activeKeyId).toBe(created.createdKeyId);
    expect(created.keys).toHaveLength(1);
  });
});

describe('the IdP metadata', () => {
  it('names the entity, its SSO endpoints and its signing certificate', async () => {
    const c = await slackConnector();
    const { xml, keyId } = await ssoMetadata(deps, c.id);
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
    expect(doc.documentElement!.getAttribute('entityID')).toBe(c.ssoIdpUrl);
    const sso = Array.from(doc.getElementsByTagNameNS(md, 'SingleSignOnService')).map((e) => [e.getAttribute('Binding'), e.getAttribute('Location')]);
    expect(sso).toEqual([
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', `${PUBLIC}/sso/${c.id}/saml`],
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', `${PUBLIC}/sso/${c.id}/saml`],
    ]);
    const certs = Array.from(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate')).map((e) => e.textContent);
    expect(certs).toEqual([certificateBody((await ssoCertificate(deps, c.id, keyId)).pem)]);
    expect(Array.from(doc.getElementsByTagNameNS(md, 'NameIDFormat')).map((e) => e.textContent)).toEqual(['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress']);
  });

  it("carries a kept key's certificate when asked, to hand to an SP before the switch", async () => {
    const c = await slackConnector();
    const { createdKeyId } = await createSsoKey(deps, c.id).then(() => createSsoKey(deps, c.id));
    const { xml } = await ssoMetadata(deps, c.id, createdKeyId);
    expect(xml).toContain(certificateBody((await ssoCertificate(deps, c.id, createdKeyId)).pem));
    await domainError(ssoMetadata(deps, c.id, 'key_nope'), 'not_found');
  });
});

describe('replays', () => {
  it('a message ID is recorded once per connector until it expires', async () => {
    const [a, b] = [await slackConnector(), await slackConnector()];
    const later = new Date(Date.now() + 60_000);
    expect(await recordSamlMessage(database.db, a.id, '_m1', later)).toBe(true);
    expect(await recordSamlMessage(database.db, a.id, '_m1', later)).toBe(false);
    expect(await recordSamlMessage(database.db, b.id, '_m1', later)).toBe(true);
    const past = new Date(Date.now() - 1000);
    expect(await recordSamlMessage(database.db, a.id, '_m2', past)).toBe(true);
    expect(await recordSamlMessage(database.db, a.id, '_m2', later)).toBe(true); // expired: no longer a replay
  });

  it('an AuthnRequest is answered once: the same request again is refused', async () => {
    const c = await slackConnector();
    await setSsoActive(database.db, c.id, true);
    const settings = await idpSettingsFor(deps, c.id);
    const slack = new nodeSaml.SAML({ entryPoint: settings.ssoUrl, issuer: settings.spEntityId, callbackUrl: settings.acsUrl, idpCert: settings.certificatePem });
    const url = new URL(await slack.getAuthorizeUrlAsync('relay', undefined, {}));
    const fields = Object.fromEntries(url.searchParams);
    const { request } = await acceptAuthnRequest(deps, c.id, 'redirect', fields, { rawQuery: url.search });
    expect(request.relayState).toBe('relay');
    const err = await acceptAuthnRequest(deps, c.id, 'redirect', fields, { rawQuery: url.search }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SamlError);
    expect((err as SamlError).code).toBe('replayed');
  });

  it('a response issued is recorded as used', async () => {
    const c = await slackConnector();
    await setSsoActive(database.db, c.id, true);
    const response = await issueLoginResponse(deps, await idpSettingsFor(deps, c.id), ADA);
    expect(await recordSamlMessage(database.db, c.id, `response:${response.responseId}`, response.notOnOrAfter)).toBe(false);
  });
});

describe("the SP's certificate (Slack's “Sign AuthnRequest”)", () => {
  /** An EC certificate (P-256): a real certificate, but not one Bindery can verify RSA request signatures with. */
  const EC_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBkjCCATegAwIBAgIUF4wUBeazbMZaGJXvMwXamASfuN4wCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTRUMgc2VydmljZSBwcm92aWRlcjAeFw0yNjEyMDIwMTU1NTVa
Fw0zNjExMjkwMTU1NTVaMB4xHDAaBgNVBAMME0VDIHNlcnZpY2UgcHJvdmlkZXIw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ1wZpb0FAOfR0KaoZzYULNNUC6L2P7
r+27p+JrwTX662o+LyGFvzTKy2CwFRQvo7+4vz1J38Q2vrtt7oq7Oey+o1MwUTAd
BgNVHQ4EFgQUSTTwrGQvhO5j2qaBa+qNxUYd8jYwHwYDVR0jBBgwFoAUSTTwrGQv
hO5j2qaBa+qNxUYd8jYwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG
AiEAz35/008p3xoaxWVtYGTPepggGC/GeXy1LoWO468J870CIQCuvUOanLLzIkMc
9fA9kwutLWwnWo5/i8pk8Fvybsl1NQ==
-----END CERTIFICATE-----`;
  let spKey: Awaited<ReturnType<typeof generateSigningKey>>;
  beforeAll(async () => {
    spKey = await generateSigningKey({ commonName: 'acme.slack.com SP' });
  });

  /** Slack (node-saml) starting a sign-in: an AuthnRequest for the connector, signed when given the SP's key. */
  async function slackRedirect(connectorId: string, sign: boolean) {
    const settings = await idpSettingsFor(deps, connectorId);
    const slack = new nodeSaml.SAML({
      entryPoint: settings.ssoUrl,
      issuer: settings.spEntityId,
      callbackUrl: settings.acsUrl,
      idpCert: settings.certificatePem,
      signatureAlgorithm: 'sha256',
      ...(sign ? { privateKey: spKey.privateKeyPem, publicCert: spKey.certificatePem } : {}),
    });
    const url = new URL(await slack.getAuthorizeUrlAsync('relay', undefined, {}));
    return { fields: Object.fromEntries(url.searchParams), rawQuery: url.search };
  }

  it('is stored from a paste (surrounding text and CRLF dropped), reported, and carried to the IdP; null clears it', async () => {
    const c = await slackConnector();
    await setSsoActive(database.db, c.id, true);
    const pasted = `Bag Attributes\r\n    friendlyName: slack\r\n${spKey.certificatePem.replace(/\n/g, '\r\n')}\r\n`;
    const config = await updateSso(deps, c.id, { spCertificatePem: pasted });
    const cert = new X509Certificate(spKey.certificatePem);
    expect(config.requestsSigned).toBe(true);
    expect(config.slack.signAuthnRequest).toBe(true);
    expect(config.spCertificate).toEqual({ fingerprintSha256: cert.fingerprint256, subject: 'CN=acme.slack.com SP, O=Bindery', notAfter: new Date(cert.validTo), certificatePem: spKey.certificatePem });
    expect((await idpSettingsFor(deps, c.id)).spCertificatePem).toBe(spKey.certificatePem);
    expect((await ssoMetadata(deps, c.id)).xml).toContain('WantAuthnRequestsSigned="true"');

    const cleared = await updateSso(deps, c.id, { spCertificatePem: null });
    expect(cleared).toMatchObject({ requestsSigned: false, spCertificate: null, slack: { signAuthnRequest: false } });
    expect((await idpSettingsFor(deps, c.id)).spCertificatePem).toBeUndefined();
    expect((await ssoMetadata(deps, c.id)).xml).not.toContain('WantAuthnRequestsSigned="true"');
  });

  it('once set, an AuthnRequest signed with its key is accepted and an unsigned one refused; before, unsigned ones were read', async () => {
    const c = await slackConnector();
    await setSsoActive(database.db, c.id, true);
    const early = await slackRedirect(c.id, false);
    await expect(acceptAuthnRequest(deps, c.id, 'redirect', early.fields, { rawQuery: early.rawQuery })).resolves.toMatchObject({ request: { relayState: 'relay' } });

    await updateSso(deps, c.id, { spCertificatePem: spKey.certificatePem });
    const signed = await slackRedirect(c.id, true);
    await expect(acceptAuthnRequest(deps, c.id, 'redirect', signed.fields, { rawQuery: signed.rawQuery })).resolves.toMatchObject({ request: { issuer: 'https://acme.slack.com' } });
    const unsigned = await slackRedirect(c.id, false);
    const err = await acceptAuthnRequest(deps, c.id, 'redirect', unsigned.fields, { rawQuery: unsigned.rawQuery }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SamlError);
    expect((err as SamlError).code).toBe('unsigned');
  });

  it('is refused unless it is one PEM X.509 certificate with an RSA key, naming the field and how to fix it; nothing is stored', async () => {
    const c = await slackConnector();
    const pem = spKey.certificatePem;
    const damaged = pem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    const cases: Array<[string, string]> = [
      ['MIIDxTCCAq2gAwIBAgIQ', 'is not a PEM X.509 certificate (no -----BEGIN CERTIFICATE-----'],
      [`${spKey.privateKeyPem}${pem}`, 'holds a private key'],
      [`${pem}${pem}`, 'holds 2 certificates'],
      [damaged, 'that can be read (the block is damaged or incomplete)'],
      [EC_CERTIFICATE, 'holds a key of type EC; Bindery verifies AuthnRequests signed with RSA'],
    ];
    for (const [input, why] of cases) {
      const err = await domainError(updateSso(deps, c.id, { spCertificatePem: input }), 'invalid');
      expect(err.message).toMatch(/^spCertificatePem /);
      expect(err.message).toContain(why);
      expect(err.details).toEqual({ issues: [{ field: 'spCertificatePem', message: expect.stringContaining(why) }] });
      expect(err.describe('cli')).toContain(`bindery connector sso set ${c.id} --sp-certificate-file <file>`);
      expect(err.describe('api')).toContain(`PATCH /v1/connectors/${c.id}/sso`);
    }
    expect(await ssoConfig(deps, c.id)).toMatchObject({ requestsSigned: false, spCertificate: null });
  });
});
