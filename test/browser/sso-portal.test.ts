import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaughtMail } from '../../mail/catcher';
import { findTool } from '../../tools/tools';
import { type Harness, startHarness } from '../support/harness';
import { linkIn } from '../support/portal-client';

// The whole SSO path in headless Chromium (Debian's package, installed by `npm run setup`; never a browser
// download): the bind email from the SMTP catcher → its link → the portal → launch Slack → the emulated
// Slack shows the user signed in → Bindery shows them bound. Then an SP-initiated sign-in from Slack.
let h: Harness;
let context: BrowserContext;
let userDataDir: string;
const WAIT = { timeout: 30_000, interval: 100 };

/** Debian's Chromium: CHROMIUM_PATH, else `chromium` on PATH. */
function chromiumPath(): string {
  const found = findTool('chromium', process.env.CHROMIUM_PATH || undefined);
  if (!found) throw new Error('no Chromium: run `npm run setup` (it installs Debian’s chromium package) or set CHROMIUM_PATH');
  return found;
}

beforeAll(async () => {
  h = await startHarness({ mail: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'bindery-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await h?.stop();
});

const seen = new Set<string>();
async function mailTo(email: string, subject: RegExp): Promise<CaughtMail> {
  const m = await h.mail!.waitFor((x) => x.to.includes(email) && subject.test(x.subject) && !seen.has(x.id), 30_000);
  seen.add(m.id);
  return m;
}

async function bindState(connectorId: string, userId: string) {
  const items = (await h.ok('GET', `/v1/connectors/${connectorId}/sso/binds`)).items as Array<{ userId: string; state: string }>;
  return items.find((b) => b.userId === userId)?.state;
}

/** The page's visible text (what a person reads). */
const visible = (page: Page) => page.locator('body').innerText();

describe('SSO in a real browser', () => {
  let connectorId: string;
  let userId: string;
  const email = 'browser.ada@example.com';

  it('binds through the emailed link, the portal and a launch of Slack', async () => {
    connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Slack', description: 'Team chat', teamName: 'browser', teamDomain: 'browser.slack.com' })).id;
    // The admin pastes what `bindery connector sso show` prints into (emulated) Slack.
    const sso = await h.ok('PATCH', `/v1/connectors/${connectorId}/sso`, { acsUrl: `${h.emulator.origin}/sso/saml` });
    await h.slackControl('PUT', '/sso', { idpSsoUrl: sso.slack.samlEndpoint, idpIssuer: sso.slack.identityProviderIssuer, certificate: sso.slack.publicCertificate, teamName: 'browser' });
    const groupId = (await h.ok('POST', '/v1/groups', { name: 'Browser people' })).id;
    await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`);
    userId = (await h.ok('POST', '/v1/users', { username: 'browser.ada', email, firstName: 'Ada', lastName: 'Lovelace' })).id;
    await h.ok('PUT', `/v1/groups/${groupId}/members/${userId}`);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);

    const mail = await mailTo(email, /bind your Slack account/);
    const page = await context.newPage();
    await page.goto(linkIn(mail.text));
    expect(await page.title()).toBe('Continue signing in · Bindery');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/portal\?bind=/);
    expect(await visible(page)).toContain('Launch Slack once to bind your account to single sign-on.');
    expect(await page.getByRole('heading', { name: 'Your applications' }).isVisible()).toBe(true);
    expect(await visible(page)).toContain('Ada Lovelace');

    // Launch: Bindery's page posts the signed response to Slack's ACS by itself.
    await page.getByRole('button', { name: 'Launch Slack' }).click();
    await page.waitForURL(`${h.emulator.origin}/sso/saml`);
    expect(await page.getByRole('heading').innerText()).toBe('Signed in to browser as browser.ada');
    await expect.poll(() => bindState(connectorId, userId), WAIT).toBe('bound');
    const signIns = (await h.slackControl('GET', '/sso/sign-ins')).body.items;
    expect(signIns.at(-1)).toMatchObject({ email, initiatedBy: 'idp' });

    // The portal session is an HttpOnly, SameSite=Lax cookie the page's scripts cannot read.
    const cookie = (await context.cookies(h.apiUrl)).find((c) => c.name === 'bindery_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    await page.close();
  });

  it('signs in from Slack (SP-initiated): Bindery asks for an email link, then answers Slack’s request', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${h.emulator.origin}/sso/saml/start`);
    await page.waitForURL(/\/portal\?next=/);
    await page.getByLabel('Your work email address').fill(email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    expect(await page.getByRole('heading', { name: 'Check your email' }).isVisible()).toBe(true);

    const mail = await mailTo(email, /sign-in link/);
    await page.goto(linkIn(mail.text));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${h.emulator.origin}/sso/saml`);
    expect(await page.getByRole('heading').innerText()).toBe('Signed in to browser as browser.ada');
    const signIns = (await h.slackControl('GET', '/sso/sign-ins')).body.items;
    expect(signIns.at(-1)).toMatchObject({ email, initiatedBy: 'sp' });

    // Signed in to the portal now: the next sign-in from Slack needs no email.
    await page.goto(`${h.emulator.origin}/sso/saml/start`);
    await page.waitForURL(`${h.emulator.origin}/sso/saml`);
    expect(await page.getByRole('heading').innerText()).toBe('Signed in to browser as browser.ada');
    expect(await bindState(connectorId, userId)).toBe('bound');
    await page.close();
  });
});
