import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readAuthnRequest, SAML_TIMING, signedLoginResponse } from '../../sso/idp';
import { generateSigningKey, type SigningKey } from '../../sso/keys';
import { ADA, decode, emulatedSlack, encode, idpSettings, query, resign, testKey, withoutSignature } from './helpers';

// Key generation, signing and XML Schema validation take a second or more on a loaded machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

// Bindery's IdP (samlify) signs; the emulator plays Slack's service provider (node-saml, an independent
// implementation) and checks the response the way Slack does. Each way Slack refuses a response is its own test.
let slack: Awaited<ReturnType<typeof emulatedSlack>>;
let key: SigningKey;
let settings: ReturnType<typeof idpSettings>;

beforeAll(async () => {
  [slack, key] = await Promise.all([emulatedSlack(), testKey()]);
  settings = idpSettings(key, { acsUrl: slack.acsUrl });
});
afterAll(() => slack?.emulator.close());
beforeEach(async () => {
  await slack.control('POST', '/reset');
  await slack.configure(settings);
});

const signIns = async () => (await slack.control('GET', '/sso/sign-ins')).body.items as any[];
const refusals = async () => (await slack.control('GET', '/sso/refusals')).body.items as any[];

describe('a signed response from the portal (IdP-initiated)', () => {
  it('signs the user in to the emulated workspace, which records the sign-in', async () => {
    const response = await signedLoginResponse(settings, ADA, { relayState: 'launch' });
    expect(response.acsUrl).toBe(slack.acsUrl);
    const xml = decode(response.samlResponse);
    expect(xml).toContain('SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(xml).toContain(`<ds:Reference URI="#${response.responseId}">`); // the whole Response is signed
    expect(xml).not.toContain('InResponseTo');

    const page = await slack.post(response.samlResponse, response.relayState);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Signed in to acme as ada');
    expect(await signIns()).toEqual([
      expect.objectContaining({ team: 'acme', nameId: 'ada@example.com', email: 'ada@example.com', userName: 'ada', firstName: 'Ada', lastName: 'Lovelace', initiatedBy: 'idp', relayState: 'launch', responseId: response.responseId }),
    ]);
  });

  it('names the Slack account holding the email, when SCIM created one', async () => {
    const created = await fetch(`${slack.emulator.baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada', emails: [{ value: 'ada@example.com', primary: true }] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await slack.post((await signedLoginResponse(settings, ADA)).samlResponse)).status).toBe(200);
    expect((await signIns())[0]).toMatchObject({ scimUserId: id, scimUserActive: true });
  });

  it('answers an AuthnRequest the emulator sent (SP-initiated), matching InResponseTo', async () => {
    const redirect = await slack.start('deep/link');
    expect(`${redirect.origin}${redirect.pathname}`).toBe(settings.ssoUrl);
    const request = await readAuthnRequest(settings, 'redirect', query(redirect), { rawQuery: redirect.search });
    expect(request).toMatchObject({ issuer: settings.spEntityId, acsUrl: slack.acsUrl, relayState: 'deep/link' });

    const response = await signedLoginResponse(settings, ADA, { inResponseTo: request.id, relayState: request.relayState });
    expect(decode(response.samlResponse)).toContain(`InResponseTo="${request.id}"`);
    const page = await slack.post(response.samlResponse, response.relayState);
    expect(page.status).toBe(200);
    expect((await signIns())[0]).toMatchObject({ initiatedBy: 'sp', inResponseTo: request.id, relayState: 'deep/link' });
  });
});

describe('the emulated Slack refuses', () => {
  async function refused(samlResponse: string, code: string) {
    const page = await slack.post(samlResponse);
    expect(page.status, page.html).toBe(403);
    expect(page.code).toBe(code);
    expect(await signIns()).toEqual([]);
    expect((await refusals()).at(-1)).toMatchObject({ code });
    return page;
  }

  it('a response whose content was altered after signing', async () => {
    const response = await signedLoginResponse(settings, ADA);
    const tampered = decode(response.samlResponse).replace('>ada@example.com</saml:NameID>', '>eve@example.com</saml:NameID>');
    expect(tampered).toContain('eve@example.com');
    await refused(encode(tampered), 'bad_signature');
  });

  it('a response signed with another key than the configured certificate', async () => {
    const other = await generateSigningKey({ commonName: 'impostor' });
    const response = await signedLoginResponse(idpSettings(other, { acsUrl: slack.acsUrl }), ADA);
    await refused(response.samlResponse, 'bad_signature');
  });

  it('an unsigned response', async () => {
    const response = await signedLoginResponse(settings, ADA);
    await refused(encode(withoutSignature(decode(response.samlResponse))), 'unsigned');
  });

  it('a response for another service provider (audience)', async () => {
    const response = await signedLoginResponse({ ...settings, spEntityId: 'https://other.slack.com' }, ADA);
    const page = await refused(response.samlResponse, 'wrong_audience');
    expect(page.html).toContain('other.slack.com');
  });

  it('a response addressed to another ACS (destination)', async () => {
    const response = await signedLoginResponse({ ...settings, acsUrl: 'https://other.slack.com/sso/saml' }, ADA);
    await refused(response.samlResponse, 'wrong_destination');
  });

  it('a validly signed response whose assertion names another recipient', async () => {
    const response = await signedLoginResponse(settings, ADA);
    const xml = decode(response.samlResponse).replace(`Recipient="${slack.acsUrl}"`, 'Recipient="https://other.slack.com/sso/saml"');
    expect(xml).toContain('Recipient="https://other.slack.com/sso/saml"');
    await refused(resign(xml, key), 'wrong_recipient');
  });

  it('a response from another issuer than the configured Identity Provider Issuer', async () => {
    const response = await signedLoginResponse({ ...settings, idpEntityId: 'https://idp.elsewhere.test' }, ADA);
    await refused(response.samlResponse, 'wrong_issuer');
  });

  it('an expired response (beyond the allowed clock skew)', async () => {
    const issued = new Date(Date.now() - SAML_TIMING.responseValidityMs - 2 * 60_000);
    const response = await signedLoginResponse(settings, ADA, { now: issued });
    await refused(response.samlResponse, 'expired');
  });

  it('a response not yet valid (issued ahead of the clock skew)', async () => {
    const response = await signedLoginResponse(settings, ADA, { now: new Date(Date.now() + 5 * 60_000) });
    await refused(response.samlResponse, 'not_yet_valid');
  });

  it('a response replayed after it signed someone in', async () => {
    const response = await signedLoginResponse(settings, ADA);
    expect((await slack.post(response.samlResponse)).status).toBe(200);
    const again = await slack.post(response.samlResponse);
    expect(again.status).toBe(403);
    expect(again.code).toBe('replayed');
    expect(await signIns()).toHaveLength(1);
  });

  it('an answer to an AuthnRequest it never sent (InResponseTo)', async () => {
    const response = await signedLoginResponse(settings, ADA, { inResponseTo: '_never_sent' });
    await refused(response.samlResponse, 'unknown_request');
  });

  it('any response while SAML is not set up', async () => {
    await slack.control('DELETE', '/sso');
    const response = await signedLoginResponse(settings, ADA);
    await refused(response.samlResponse, 'sso_not_configured');
  });

  it('a post without a SAMLResponse', async () => {
    const res = await fetch(slack.acsUrl, { method: 'POST', body: new URLSearchParams({ RelayState: 'x' }) });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('No SAMLResponse');
  });
});

describe("the emulator's SAML controls", () => {
  it('show the settings as Slack holds them, with its defaults', async () => {
    const view = (await slack.control('GET', '/sso')).body;
    expect(view).toMatchObject({ idpSsoUrl: settings.ssoUrl, idpIssuer: settings.idpEntityId, teamName: 'acme', spEntityId: 'https://acme.slack.com', acsUrl: slack.acsUrl, startUrl: slack.startUrl, signAuthnRequests: false, clockSkewSeconds: 60 });
    expect(view.certificateFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('refuse a certificate that is not one, naming the field', async () => {
    const res = await slack.control('PUT', '/sso', { idpSsoUrl: settings.ssoUrl, idpIssuer: 'x', certificate: 'not a cert' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('certificate');
  });

  it('need the emulator token, while the ACS and the start page do not', async () => {
    expect((await fetch(`${slack.emulator.origin}/_emulator/sso`)).status).toBe(401);
    expect((await fetch(`${slack.emulator.origin}/sso/saml/start`, { redirect: 'manual' })).status).toBe(302);
  });

  it('forget SAML settings and sign-ins on reset', async () => {
    await slack.post((await signedLoginResponse(settings, ADA)).samlResponse);
    expect(await signIns()).toHaveLength(1);
    await slack.control('POST', '/reset');
    expect(await signIns()).toEqual([]);
    expect((await slack.control('GET', '/sso')).status).toBe(404);
    const start = await fetch(slack.startUrl, { redirect: 'manual' });
    expect(start.status).toBe(404);
  });
});
