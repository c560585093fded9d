import { deflateRawSync, inflateRawSync } from 'node:zlib';
import nodeSaml from '@node-saml/node-saml';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type IdpSettings, readAuthnRequest, SAML_TIMING, SamlError } from '../../sso/idp';
import { generateSigningKey, type SigningKey } from '../../sso/keys';
import { decode, emulatedSlack, encode, idpSettings, query, testKey } from './helpers';

// Key generation, signing and XML Schema validation take a second or more on a loaded machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

// Bindery's IdP reading SP-initiated AuthnRequests: the emulator (playing Slack) redirects the browser with
// one; each way a request is refused is its own test. Schema validation makes each read take a moment.
let slack: Awaited<ReturnType<typeof emulatedSlack>>;
let key: SigningKey;
let settings: IdpSettings;

beforeAll(async () => {
  [slack, key] = await Promise.all([emulatedSlack(), testKey()]);
  settings = idpSettings(key, { acsUrl: slack.acsUrl });
});
afterAll(() => slack?.emulator.close());
beforeEach(async () => {
  await slack.control('POST', '/reset');
  await slack.configure(settings);
});

async function refusedWith(read: Promise<unknown>, code: string): Promise<SamlError> {
  const err = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a SamlError ${code}`).toBeInstanceOf(SamlError);
  expect((err as SamlError).code, (err as Error).message).toBe(code);
  return err as SamlError;
}

/** The emulator's AuthnRequest, as the browser brings it (HTTP-Redirect). */
async function redirected(relayState?: string) {
  const url = await slack.start(relayState);
  return { url, fields: query(url), rawQuery: url.search };
}

describe('an AuthnRequest from the configured service provider', () => {
  it('is read: its ID, issuer, ACS URL, relay state and issue time', async () => {
    const { fields, rawQuery } = await redirected('back/to/channel');
    const before = Date.now();
    const info = await readAuthnRequest(settings, 'redirect', fields, { rawQuery });
    expect(info).toMatchObject({ issuer: 'https://acme.slack.com', acsUrl: slack.acsUrl, relayState: 'back/to/channel' });
    expect(info.id).toMatch(/^[_A-Za-z]/);
    expect(Math.abs(info.issueInstant.getTime() - before)).toBeLessThan(60_000);
  });

  it('is read from the HTTP-POST binding too', async () => {
    const { fields } = await redirected();
    const xml = inflateRawSync(Buffer.from(fields.SAMLRequest!, 'base64')).toString('utf8');
    const info = await readAuthnRequest(settings, 'post', { SAMLRequest: encode(xml), RelayState: 'r' });
    expect(info).toMatchObject({ issuer: settings.spEntityId, relayState: 'r' });
  });
});

describe('Bindery refuses an AuthnRequest', () => {
  it('that is missing', async () => {
    const err = await refusedWith(readAuthnRequest(settings, 'redirect', {}), 'malformed');
    expect(err.message).toContain('no SAMLRequest');
  });

  it('that is not deflated SAML', async () => {
    await refusedWith(readAuthnRequest(settings, 'redirect', { SAMLRequest: 'bm90IHNhbWw=' }), 'malformed');
  });

  it('that is XML but not a SAML 2.0 message (schema)', async () => {
    const notSaml = deflateRawSync(Buffer.from('<AuthnRequest xmlns="urn:example"><Issuer>https://acme.slack.com</Issuer></AuthnRequest>')).toString('base64');
    const err = await refusedWith(readAuthnRequest(settings, 'redirect', { SAMLRequest: notSaml }), 'malformed');
    expect(err.message).toContain('not a valid SAML 2.0 message');
  });

  it('that is far too large', async () => {
    await refusedWith(readAuthnRequest(settings, 'redirect', { SAMLRequest: 'A'.repeat(40_000) }), 'malformed');
  });

  it('from another service provider (issuer), saying how to fix it', async () => {
    await slack.configure(settings, { spEntityId: 'https://other.slack.com' });
    const { fields, rawQuery } = await redirected();
    const err = await refusedWith(readAuthnRequest(settings, 'redirect', fields, { rawQuery }), 'wrong_issuer');
    expect(err.message).toContain('https://other.slack.com');
    expect(err.message).toContain(`bindery connector sso set ${settings.connectorId} --sp-entity-id https://other.slack.com`);
  });

  it('addressed to another IdP (destination)', async () => {
    await slack.configure({ ...settings, ssoUrl: 'http://elsewhere.test/saml' });
    const { fields, rawQuery } = await redirected();
    await refusedWith(readAuthnRequest(settings, 'redirect', fields, { rawQuery }), 'wrong_destination');
  });

  it('asking for the response at another ACS URL (recipient)', async () => {
    await slack.configure(settings, { acsUrl: 'https://attacker.test/sso/saml' });
    const { fields, rawQuery } = await redirected();
    const err = await refusedWith(readAuthnRequest(settings, 'redirect', fields, { rawQuery }), 'wrong_acs');
    expect(err.message).toContain('https://attacker.test/sso/saml');
  });

  it('that expired (issued longer ago than the request lifetime)', async () => {
    const { fields, rawQuery } = await redirected();
    const later = new Date(Date.now() + SAML_TIMING.requestMaxAgeMs + SAML_TIMING.clockSkewMs + 60_000);
    await refusedWith(readAuthnRequest(settings, 'redirect', fields, { rawQuery, now: later }), 'expired');
  });

  it('issued in the future (beyond the clock skew)', async () => {
    const { fields, rawQuery } = await redirected();
    const earlier = new Date(Date.now() - SAML_TIMING.clockSkewMs - 60_000);
    await refusedWith(readAuthnRequest(settings, 'redirect', fields, { rawQuery, now: earlier }), 'not_yet_valid');
  });
});

describe("with the SP's certificate configured (Slack's “Sign AuthnRequest”)", () => {
  let signing: IdpSettings;
  beforeEach(async () => {
    const view = await slack.configure(settings, { signAuthnRequests: true });
    expect(view.spCertificate).toContain('BEGIN CERTIFICATE');
    signing = { ...settings, spCertificatePem: view.spCertificate };
  });

  it('a signed request is read, from the raw query or from its decoded fields', async () => {
    const { fields, rawQuery } = await redirected('signed');
    expect(fields.SigAlg).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    await expect(readAuthnRequest(signing, 'redirect', fields, { rawQuery })).resolves.toMatchObject({ relayState: 'signed' });
    await expect(readAuthnRequest(signing, 'redirect', fields)).resolves.toMatchObject({ relayState: 'signed' });
  });

  it('an unsigned request is refused', async () => {
    const { fields } = await redirected();
    const { Signature: _s, SigAlg: _a, ...unsigned } = fields;
    await refusedWith(readAuthnRequest(signing, 'redirect', unsigned), 'unsigned');
  });

  it('a request altered after signing is refused (tampered signature)', async () => {
    const { fields } = await redirected('original');
    await refusedWith(readAuthnRequest(signing, 'redirect', { ...fields, RelayState: 'altered' }), 'bad_signature');
    const xml = inflateRawSync(Buffer.from(fields.SAMLRequest!, 'base64')).toString('utf8').replace(slack.acsUrl, `${slack.acsUrl}?x`);
    await refusedWith(readAuthnRequest(signing, 'redirect', { ...fields, SAMLRequest: deflateRawSync(Buffer.from(xml)).toString('base64') }), 'bad_signature');
  });

  it('a request signed by another key is refused', async () => {
    const other = await generateSigningKey({ commonName: 'another SP' });
    const { fields, rawQuery } = await redirected();
    await refusedWith(readAuthnRequest({ ...signing, spCertificatePem: other.certificatePem }, 'redirect', fields, { rawQuery }), 'bad_signature');
  });

  it('a request signed with SHA-1 is refused', async () => {
    const { fields } = await redirected();
    await refusedWith(readAuthnRequest(signing, 'redirect', { ...fields, SigAlg: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' }), 'unsupported');
  });

  describe('over HTTP-POST (an XML signature inside the request)', () => {
    let spKey: SigningKey;
    beforeAll(async () => {
      spKey = await generateSigningKey({ commonName: 'SP posting requests' });
    });
    /** An AuthnRequest for the HTTP-POST binding, signed inside when the SP has a key. */
    async function posted(sign: boolean, signatureAlgorithm: 'sha256' | 'sha1' = 'sha256'): Promise<string> {
      const sp = new nodeSaml.SAML({
        entryPoint: settings.ssoUrl,
        issuer: settings.spEntityId,
        callbackUrl: slack.acsUrl,
        idpCert: settings.certificatePem,
        authnRequestBinding: 'HTTP-POST',
        skipRequestCompression: true,
        signatureAlgorithm,
        ...(sign ? { privateKey: spKey.privateKeyPem, publicCert: spKey.certificatePem } : {}),
      });
      return (await sp.getAuthorizeMessageAsync('relay', undefined, {})).SAMLRequest as string;
    }

    it('a signed request is read', async () => {
      const info = await readAuthnRequest({ ...settings, spCertificatePem: spKey.certificatePem }, 'post', { SAMLRequest: await posted(true) });
      expect(info.issuer).toBe(settings.spEntityId);
    });

    it('an unsigned one is refused as unsigned', async () => {
      await refusedWith(readAuthnRequest({ ...settings, spCertificatePem: spKey.certificatePem }, 'post', { SAMLRequest: await posted(false) }), 'unsigned');
    });

    it('one signed with SHA-1 is refused', async () => {
      const sha1 = await posted(true, 'sha1');
      expect(decode(sha1)).toContain('xmldsig#rsa-sha1');
      await refusedWith(readAuthnRequest({ ...settings, spCertificatePem: spKey.certificatePem }, 'post', { SAMLRequest: sha1 }), 'unsupported');
    });

    it('one altered after signing is refused', async () => {
      const tampered = encode(decode(await posted(true)).replace(slack.acsUrl, `${slack.acsUrl}?x`));
      await refusedWith(readAuthnRequest({ ...settings, spCertificatePem: spKey.certificatePem }, 'post', { SAMLRequest: tampered }), 'bad_signature');
    });
  });
});
