import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { postBindingPage } from '../../sso/idp';
import { CERTIFICATE_YEARS, certificateBody, certificateInfo, generateSigningKey } from '../../sso/keys';
import { defaultAcsUrl, defaultSpEntityId, slackWorkspaceHost } from '../../sso/slack';
import { IDP_PATHS, publicUrlOf } from '../../sso/urls';

// Key generation, signing and XML Schema validation take a second or more on a loaded machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

describe('signing keys (B3)', () => {
  it('are RSA 2048 with a self-signed SHA-256 certificate matching the key, valid ten years', async () => {
    const now = new Date('2026-03-01T12:00:00.500Z');
    const key = await generateSigningKey({ commonName: 'Bindery IdP con_x', now });
    const cert = new X509Certificate(key.certificatePem);
    expect(createPublicKey(key.certificatePem).asymmetricKeyDetails).toMatchObject({ modulusLength: 2048 });
    expect(cert.checkPrivateKey(createPrivateKey(key.privateKeyPem))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed
    expect(cert.subject).toContain('CN=Bindery IdP con_x');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(false);
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2026 + CERTIFICATE_YEARS);
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.certificatePem).not.toContain('\r');
  });

  it('each have their own key and serial', async () => {
    const [a, b] = await Promise.all([generateSigningKey({ commonName: 'a' }), generateSigningKey({ commonName: 'b' })]);
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
    expect(new X509Certificate(a.certificatePem).serialNumber).not.toBe(new X509Certificate(b.certificatePem).serialNumber);
  });

  it('describe their certificate by SHA-256 fingerprint and validity; metadata carries the body on one line', async () => {
    const key = await generateSigningKey({ commonName: 'c' });
    const info = certificateInfo(key.certificatePem);
    expect(info.fingerprintSha256).toBe(new X509Certificate(key.certificatePem).fingerprint256);
    expect(info.notAfter.getTime()).toBe(key.notAfter.getTime());
    const body = certificateBody(key.certificatePem);
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(new X509Certificate(Buffer.from(body, 'base64')).fingerprint256).toBe(info.fingerprintSha256);
  });
});

describe("Slack's SAML defaults", () => {
  it.each([
    ['acme', 'https://acme.slack.com'],
    ['Acme', 'https://acme.slack.com'],
    ['acme-corp', 'https://acme-corp.slack.com'],
    ['acme corp', undefined],
    ['acme.slack.com', undefined],
    ['', undefined],
    [null, undefined],
  ])('the SP entity ID for team name %j is %j (the seed: https://<teamname>.slack.com)', (team, expected) => {
    expect(defaultSpEntityId(team)).toBe(expected);
  });

  it.each([
    ['acme.slack.com', 'https://acme.slack.com/sso/saml'],
    ['acme', 'https://acme.slack.com/sso/saml'],
    ['https://Acme.slack.com/', 'https://acme.slack.com/sso/saml'],
    ['acme.enterprise.slack.com', 'https://acme.enterprise.slack.com/sso/saml'],
    ['not a host', undefined],
    [undefined, undefined],
  ])('the ACS URL for team domain %j is %j (Slack: https://<yourdomain>.slack.com/sso/saml)', (domain, expected) => {
    expect(defaultAcsUrl(domain)).toBe(expected);
  });

  it('name the workspace host from the team domain', () => {
    expect(slackWorkspaceHost('acme')).toBe('acme.slack.com');
    expect(slackWorkspaceHost('-bad-.slack.com')).toBeUndefined();
  });

  it("place each connector's IdP under the public URL", () => {
    expect(publicUrlOf('http://bindery.test:8080/', IDP_PATHS.sso('con_1'))).toBe('http://bindery.test:8080/sso/con_1/saml');
    expect(IDP_PATHS.sso('a/b')).toBe('/sso/a%2Fb/saml');
  });
});

describe('the HTTP-POST binding page', () => {
  it('posts the response and relay state to the ACS, every value escaped', () => {
    const html = postBindingPage({ acsUrl: 'https://acme.slack.com/sso/saml?a=1&b="2"', samlResponse: 'PHNhbWw+', relayState: '<script>x</script>' }, { nonce: 'n0nce' });
    expect(html).toContain('<form method="post" action="https://acme.slack.com/sso/saml?a=1&#38;b=&#34;2&#34;">');
    expect(html).toContain('<input type="hidden" name="SAMLResponse" value="PHNhbWw+">');
    expect(html).toContain('name="RelayState" value="&#60;script&#62;x&#60;/script&#62;"');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('<script nonce="n0nce">document.forms[0].submit();</script>');
    expect(html).toContain('<noscript>');
  });

  it('leaves out RelayState when there is none', () => {
    expect(postBindingPage({ acsUrl: 'https://a.test/acs', samlResponse: 'x' })).not.toContain('RelayState');
  });
});
