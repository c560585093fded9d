import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../secrets/secrets';
import { idpSettingsFor } from '../../services/sso';
import { signedLoginResponse } from '../../sso/idp';
import { certificateBody, generateSigningKey } from '../../sso/keys';
import { type Harness, startHarness } from '../support/harness';
import { BINDERY_BIN, cliEnv, runCli } from '../support/cli';

// SAML configuration per connector (B3) as an admin does it: the CLI and the API, what `sso show` prints
// pasted into the emulated Slack, metadata and certificate downloads, a key rotation Slack follows, and
// Slack's certificate given to Bindery so that only signed AuthnRequests are accepted.
let h: Harness;
let connectorId: string;

beforeAll(async () => {
  h = await startHarness();
  connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Slack SSO', teamName: 'acme', teamDomain: 'acme.slack.com' })).id;
});
afterAll(() => h?.stop());


/** The real `bindery` CLI against the harness's API. */
const bindery = (args: string[], input?: string) => runCli(h, args, input);
const ok = async (args: string[]) => {
  const r = await bindery(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
/** The settings as `sso show --json` prints them (read through the API where the CLI is not the point: each CLI run takes seconds). */
const showJson = async () => h.ok('GET', `/v1/connectors/${connectorId}/sso`);

/** What a Workspace Owner pastes into the (emulated) Slack from `bindery connector sso show`. */
async function pasteIntoSlack(slack: { samlEndpoint: string; identityProviderIssuer: string; publicCertificate: string }) {
  const res = await h.slackControl('PUT', '/sso', { idpSsoUrl: slack.samlEndpoint, idpIssuer: slack.identityProviderIssuer, certificate: slack.publicCertificate, teamName: 'acme' });
  expect(res.status).toBe(200);
  return res.body;
}

/** A launch, as the portal makes one: a response signed with the connector's current settings, posted to Slack's ACS. */
async function launch(): Promise<{ status: number; html: string }> {
  const settings = await idpSettingsFor({ db: h.db, secretKey: parseKey(h.secretKeyText) }, connectorId);
  const response = await signedLoginResponse(settings, { email: 'ada@example.com', userName: 'ada', firstName: 'Ada', lastName: 'Lovelace' });
  const res = await fetch(response.acsUrl, { method: 'POST', body: new URLSearchParams({ SAMLResponse: response.samlResponse }) });
  return { status: res.status, html: await res.text() };
}

describe('bindery connector sso', () => {
  it('show prints exactly what Slack’s SAML settings take', async () => {
    const out = await ok(['connector', 'sso', 'show', connectorId]);
    const config = JSON.parse(await ok(['--json', 'connector', 'sso', 'show', connectorId]));
    expect(config).toEqual(JSON.parse(JSON.stringify(await showJson())));
    const connector = await h.ok('GET', `/v1/connectors/${connectorId}`);
    expect(config.ssoUrl).toMatch(new RegExp(`/sso/${connectorId}/saml$`));
    expect(out).toContain(`SAML 2.0 Endpoint (HTTP)   ${config.ssoUrl}`);
    expect(out).toContain(`Identity Provider Issuer   ${connector.ssoIdpUrl}`);
    expect(out).toContain(config.keys[0].certificatePem.trim());
    expect(out).toContain('Service Provider Issuer  https://acme.slack.com (Slack’s default)');
    expect(out).toContain('Assertions Signed        unchecked');
    expect(out).toContain('Bindery posts signed responses to https://acme.slack.com/sso/saml');
    expect(out).toContain(`SSO is off for this connector: turn it on with \`bindery connector sso enable ${connectorId}\``);
  });

  it('turns SSO on and off, the old way (`sso <id> on|off`) and the new (`sso enable|disable <id>`)', async () => {
    expect(await ok(['connector', 'sso', connectorId, 'on'])).toContain('SSO active');
    expect((await h.ok('GET', `/v1/connectors/${connectorId}`)).ssoActive).toBe(true);
    expect(await ok(['connector', 'sso', 'disable', connectorId])).toContain('SSO inactive');
    expect((await h.ok('GET', `/v1/connectors/${connectorId}`)).ssoActive).toBe(false);
    expect(await ok(['connector', 'sso', 'enable', connectorId])).toContain(`What to enter in Slack: bindery connector sso show ${connectorId}`);
    expect((await showJson()).active).toBe(true);
  });

  it('points the connector at the emulated Slack, whose settings are pasted from `sso show`: a launch signs in', async () => {
    const acs = `${h.emulator.origin}/sso/saml`;
    expect(await ok(['connector', 'sso', 'set', connectorId, '--acs-url', acs])).toContain(`Bindery posts signed responses to ${acs}`);
    const shown = await showJson();
    expect(shown).toMatchObject({ acsUrl: acs, acsUrlIsDefault: false, spEntityId: 'https://acme.slack.com', missing: [] });
    await pasteIntoSlack(shown.slack);
    const page = await launch();
    expect(page.html).toContain('Signed in to acme as ada');
    expect((await h.slackControl('GET', '/sso/sign-ins')).body.items).toEqual([expect.objectContaining({ email: 'ada@example.com', initiatedBy: 'idp' })]);
  });

  it('metadata prints the IdP metadata, carrying the certificate the API serves', async () => {
    const xml = await ok(['connector', 'sso', 'metadata', connectorId]);
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const config = await showJson();
    expect(doc.documentElement!.getAttribute('entityID')).toBe(config.idpEntityId);
    const cert = await fetch(`${h.apiUrl}/v1/connectors/${connectorId}/sso/certificate`, { headers: { authorization: `Bearer ${h.apiKey}` } });
    expect(cert.headers.get('content-type')).toBe('application/x-pem-file');
    const pem = await cert.text();
    expect(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate')[0]!.textContent).toBe(certificateBody(pem));
    expect(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SingleSignOnService')[0]!.getAttribute('Location')).toBe(config.ssoUrl);

    const file = join(mkdtempSync(join(tmpdir(), 'bindery-sso-')), 'certificate.pem');
    const r = await bindery(['connector', 'sso', 'certificate', connectorId, '--out', file]);
    expect(r.stderr).toContain(`wrote the certificate to ${file}`);
    expect(readFileSync(file, 'utf8').trim()).toBe(pem.trim());
  });

  it('rotates: a new key is kept aside, the old signs until the switch, then Slack needs the new certificate', async () => {
    const before = await showJson();
    const rotate = await ok(['connector', 'sso', 'rotate', connectorId]);
    const after = await showJson();
    const fresh = after.keys.find((k: any) => !k.active);
    expect(rotate).toContain(`new signing key ${fresh.id}`);
    expect(rotate).toContain(`${before.activeKeyId} still signs`);
    expect(await ok(['connector', 'sso', 'show', connectorId])).toContain(`Kept key ${fresh.id}`);
    expect((await launch()).html).toContain('Signed in to acme'); // still the old key

    expect(await ok(['connector', 'sso', 'switch', connectorId, fresh.id])).toContain(fresh.certificatePem.trim().split('\n')[1]);
    const refused = await launch(); // Slack still holds the old certificate
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('bad_signature');
    await pasteIntoSlack((await showJson()).slack);
    expect((await launch()).html).toContain('Signed in to acme as ada');

    const inUse = await bindery(['connector', 'sso', 'delete-key', connectorId, fresh.id]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain('cannot be removed while in use');
    expect(await ok(['connector', 'sso', 'delete-key', connectorId, before.activeKeyId])).toContain(`deleted key ${before.activeKeyId}`);
    expect((await showJson()).keys.map((k: any) => k.id)).toEqual([fresh.id]);
  });

  it('says what is wrong, in one line', async () => {
    const unknown = await bindery(['connector', 'sso', 'show', 'con_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^bindery: Not found: No connector con_nope\n$/);
    const nothing = await bindery(['connector', 'sso', 'set', connectorId]);
    expect(nothing.stderr).toContain('nothing to change');
    const badUrl = await bindery(['connector', 'sso', 'set', connectorId, '--acs-url', 'ftp://x']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('acsUrl');
    const badKey = await bindery(['connector', 'sso', 'metadata', connectorId, '--key', 'key_nope']);
    expect(badKey.stderr).toContain('No signing key');
  });
});

describe('the SSO API', () => {
  it('serves metadata as SAML metadata and refuses unknown keys and fields', async () => {
    const res = await fetch(`${h.apiUrl}/v1/connectors/${connectorId}/sso/metadata`, { headers: { authorization: `Bearer ${h.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/samlmetadata+xml');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="bindery-con_[0-9a-f]+-key_[0-9a-f]+-metadata.xml"$/);
    expect(await res.text()).toMatch(/^<EntityDescriptor /);
    expect((await h.call('GET', `/v1/connectors/${connectorId}/sso/certificate?keyId=key_nope`)).status).toBe(404);
    const typo = await h.call('PATCH', `/v1/connectors/${connectorId}/sso`, { acsURL: 'https://x.test/acs' });
    expect(typo.status).toBe(400);
    expect(typo.body.detail).toContain('did you mean "acsUrl"');
    expect((await h.call('PATCH', `/v1/connectors/${connectorId}/sso`, {})).status).toBe(400);
    expect((await fetch(`${h.apiUrl}/v1/connectors/${connectorId}/sso`)).status).toBe(401);
  });

  it('documents every SSO route in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
    const base = '/v1/connectors/{id}/sso';
    expect(Object.keys(doc.paths[base]!)).toEqual(expect.arrayContaining(['get', 'patch']));
    expect(doc.paths[`${base}/keys`]!.post).toBeDefined();
    expect(doc.paths[`${base}/keys/{keyId}/activate`]!.post).toBeDefined();
    expect(doc.paths[`${base}/keys/{keyId}`]!.delete).toBeDefined();
    expect(Object.keys(doc.paths[`${base}/metadata`]!.get!.responses['200']!.content!)).toEqual(['application/samlmetadata+xml']);
    expect(Object.keys(doc.paths[`${base}/certificate`]!.get!.responses['200']!.content!)).toEqual(['application/x-pem-file']);
  });
});

describe('signed AuthnRequests (Slack’s “Sign AuthnRequest”)', () => {
  let id: string;
  const dir = mkdtempSync(join(tmpdir(), 'bindery-sp-cert-'));

  beforeAll(async () => {
    id = (await h.ok('POST', '/v1/connectors', { label: 'Slack signed requests', teamName: 'globex', teamDomain: 'globex.slack.com' })).id;
    await h.ok('POST', `/v1/connectors/${id}/sso/activate`);
    await h.ok('PATCH', `/v1/connectors/${id}/sso`, { acsUrl: `${h.emulator.origin}/sso/saml` });
  });

  /** The emulated Slack's SAML settings, pasted from Bindery's, with or without “Sign AuthnRequest”; answers Slack's certificate when signing. */
  async function slackSigns(signAuthnRequests: boolean): Promise<string | undefined> {
    const { slack } = await h.ok('GET', `/v1/connectors/${id}/sso`);
    const res = await h.slackControl('PUT', '/sso', { idpSsoUrl: slack.samlEndpoint, idpIssuer: slack.identityProviderIssuer, certificate: slack.publicCertificate, teamName: 'globex', signAuthnRequests });
    expect(res.status).toBe(200);
    return res.body.spCertificate;
  }

  /** A person opening Slack: the emulator redirects the browser to Bindery's SSO endpoint with an AuthnRequest. */
  async function slackRedirect(): Promise<URL> {
    const res = await fetch(`${h.emulator.origin}/sso/saml/start?RelayState=general`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('location')!);
    expect(`${url.origin}${url.pathname}`).toBe((await h.ok('GET', `/v1/connectors/${id}/sso`)).ssoUrl);
    return url;
  }

  /** The browser following that redirect to Bindery: accepted (sent on to sign in) or refused with a page saying why. */
  async function follow(url: URL): Promise<{ accepted: boolean; status: number; page: string }> {
    const res = await fetch(url, { redirect: 'manual' });
    const page = await res.text();
    return { accepted: res.status >= 300 && res.status < 400 && !res.headers.get('location')!.startsWith(h.emulator.origin), status: res.status, page };
  }

  const without = (url: URL, ...names: string[]) => {
    const copy = new URL(url);
    for (const name of names) copy.searchParams.delete(name);
    return copy;
  };

  it('are not required until Slack’s certificate is given: `sso show` says so, and an unsigned request is accepted', async () => {
    await slackSigns(false);
    const out = await ok(['connector', 'sso', 'show', id]);
    expect(out).toContain('Sign AuthnRequest        unchecked');
    expect(out).toContain(`AuthnRequests: read unsigned (to require signed ones: check “Sign AuthnRequest” in Slack, save the certificate Slack then shows to a file, and run \`bindery connector sso set ${id} --sp-certificate-file <file>\`)`);
    expect(await h.ok('GET', `/v1/connectors/${id}/sso`)).toMatchObject({ requestsSigned: false, spCertificate: null, slack: { signAuthnRequest: false } });
    const unsigned = await slackRedirect();
    expect(unsigned.searchParams.has('Signature')).toBe(false);
    expect(await follow(unsigned)).toMatchObject({ accepted: true });
  });

  it('once Slack’s certificate is set from the CLI, a signed request is accepted and the same request unsigned, tampered or from an unsigning Slack is refused', async () => {
    const slackCertificate = (await slackSigns(true))!;
    expect(slackCertificate).toContain('-----BEGIN CERTIFICATE-----');
    const file = join(dir, 'slack.pem');
    writeFileSync(file, slackCertificate);
    const out = await ok(['connector', 'sso', 'set', id, '--sp-certificate-file', file]);
    const fingerprint = new X509Certificate(slackCertificate).fingerprint256;
    expect(out).toContain('Sign AuthnRequest        checked');
    expect(out).toContain(`AuthnRequests: must be signed; unsigned or wrongly signed ones are refused. SP certificate CN=globex.slack.com (emulated), O=Bindery, SHA-256 ${fingerprint}`);
    expect(await h.ok('GET', `/v1/connectors/${id}/sso`)).toMatchObject({ requestsSigned: true, spCertificate: { fingerprintSha256: fingerprint }, slack: { signAuthnRequest: true } });

    const signed = await slackRedirect();
    expect(signed.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const stripped = await follow(without(signed, 'Signature', 'SigAlg'));
    expect(stripped).toMatchObject({ accepted: false, status: 400 });
    expect(stripped.page).toContain('Sign-in request refused');
    expect(stripped.page).toContain('The AuthnRequest is not signed, but this connector requires signed requests');
    const tampered = new URL(signed);
    tampered.searchParams.set('RelayState', 'elsewhere');
    expect((await follow(tampered)).page).toContain('signature does not verify with the service provider');
    expect(await follow(signed)).toMatchObject({ accepted: true });
    expect((await follow(signed)).page).toContain('already answered'); // and only once

    await slackSigns(false); // Slack's “Sign AuthnRequest” unchecked while Bindery still requires it
    const unsigned = await slackRedirect();
    expect(unsigned.searchParams.has('Signature')).toBe(false);
    expect(await follow(unsigned)).toMatchObject({ accepted: false, status: 400 });
  });

  it('a certificate Slack replaced is refused until the new one is given', async () => {
    const renewed = (await slackSigns(true))!; // checked again: the emulated Slack has a new key
    expect((await h.ok('GET', `/v1/connectors/${id}/sso`)).spCertificate.certificatePem).not.toBe(renewed);
    expect((await follow(await slackRedirect())).page).toContain('signature does not verify');
    await h.ok('PATCH', `/v1/connectors/${id}/sso`, { spCertificatePem: renewed });
    expect(await follow(await slackRedirect())).toMatchObject({ accepted: true });
  });

  it('`--sp-certificate-file default` stops requiring signed requests; the certificate can also come on standard input (`-`)', async () => {
    const pem = (await h.ok('GET', `/v1/connectors/${id}/sso`)).spCertificate.certificatePem;
    const out = await ok(['connector', 'sso', 'set', id, '--sp-certificate-file', 'default']);
    expect(out).toContain('Sign AuthnRequest        unchecked');
    expect(out).toContain('AuthnRequests: read unsigned');
    const stillSigned = await slackRedirect(); // Slack still signs: harmless, the signature is not needed
    expect(stillSigned.searchParams.has('Signature')).toBe(true);
    expect(await follow(stillSigned)).toMatchObject({ accepted: true });
    await slackSigns(false);
    expect(await follow(await slackRedirect())).toMatchObject({ accepted: true });

    const piped = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [BINDERY_BIN, '--json', 'connector', 'sso', 'set', id, '--sp-certificate-file', '-'], { env: cliEnv(h) }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
      child.stdin!.end(pem);
    });
    expect(JSON.parse(piped)).toMatchObject({ requestsSigned: true, spCertificate: { certificatePem: pem } });
    expect(await h.ok('PATCH', `/v1/connectors/${id}/sso`, { spCertificatePem: null })).toMatchObject({ requestsSigned: false, spCertificate: null });
  });

  it('a certificate that is not one is refused, naming the field and what to do', async () => {
    const bad = await h.call('PATCH', `/v1/connectors/${id}/sso`, { spCertificatePem: 'MIIDxTCCAq2gAwIBAgIQ' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^spCertificatePem is not a PEM X\.509 certificate/);
    expect(bad.body.detail).toContain(`PATCH /v1/connectors/${id}/sso`);
    expect(bad.body.issues).toEqual([{ field: 'spCertificatePem', message: expect.stringContaining('no -----BEGIN CERTIFICATE-----') }]);
    const typo = await h.call('PATCH', `/v1/connectors/${id}/sso`, { spCertificate: 'x' });
    expect(typo.status).toBe(400);
    expect(typo.body.detail).toContain('did you mean "spCertificatePem"');

    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, (await generateSigningKey({ commonName: 'oops' })).privateKeyPem);
    const key = await bindery(['connector', 'sso', 'set', id, '--sp-certificate-file', keyFile]);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('spCertificatePem holds a private key');
    expect(key.stderr).toContain(`bindery connector sso set ${id} --sp-certificate-file <file>`);
    const missing = await bindery(['connector', 'sso', 'set', id, '--sp-certificate-file', join(dir, 'nope.pem')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read the SP certificate from');
    expect((await h.ok('GET', `/v1/connectors/${id}/sso`)).requestsSigned).toBe(false);
  });
});
