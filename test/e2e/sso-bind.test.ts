import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIND_WINDOW_MS } from '../../core/sso-binds';
import { portalLinks, portalSessions, ssoBinds } from '../../db/schema';
import type { CaughtMail } from '../../mail/catcher';
import { type Harness, startHarness } from '../support/harness';
import { runCli } from '../support/cli';
import { field, formAction, linkIn, PortalClient } from '../support/portal-client';

// The SSO bind window (B1, B2) and the user portal end to end: the admin API and CLI, the outbox, the
// sso-bind workflow on the Temporal dev server, bind emails read from a real SMTP catcher (mailpit), the
// portal over HTTP, and the emulator playing Slack's SAML service provider.
let h: Harness;
const WAIT = { timeout: 30_000, interval: 100 };

beforeAll(async () => {
  h = await startHarness({ mail: true });
});
afterAll(() => h?.stop());

type Person = { id: string; username: string; email: string };

/**
 * A Slack connector whose service provider is the emulator (its ACS URL, and the emulator set up with what
 * `connector sso show` prints), a bound group with `members`, and `others` not in it.
 */
async function sso(team: string, members: string[], others: string[] = []) {
  const connectorId = (await h.ok('POST', '/v1/connectors', { label: `Slack ${team}`, teamName: team, teamDomain: `${team}.slack.com` })).id as string;
  const settings = await h.ok('PATCH', `/v1/connectors/${connectorId}/sso`, { acsUrl: `${h.emulator.origin}/sso/saml` });
  const configured = await h.slackControl('PUT', '/sso', { idpSsoUrl: settings.slack.samlEndpoint, idpIssuer: settings.slack.identityProviderIssuer, certificate: settings.slack.publicCertificate, teamName: team });
  expect(configured.status).toBe(200);
  const groupId = (await h.ok('POST', '/v1/groups', { name: `${team} people` })).id as string;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`);
  const create = async (name: string): Promise<Person> => {
    const username = `${team}.${name}`;
    const email = `${username}@example.com`;
    const id = (await h.ok('POST', '/v1/users', { username, email, firstName: name[0]!.toUpperCase() + name.slice(1), lastName: 'Tester' })).id as string;
    return { id, username, email };
  };
  const people: Record<string, Person> = {};
  for (const name of members) {
    people[name] = await create(name);
    await h.ok('PUT', `/v1/groups/${groupId}/members/${people[name]!.id}`);
  }
  for (const name of others) people[name] = await create(name);
  return { connectorId, groupId, people, settings };
}

const seen = new Set<string>();
/** The next bind or sign-in email to this address that no earlier call returned. */
async function mailTo(email: string, subject: RegExp): Promise<CaughtMail> {
  const m = await h.mail!.waitFor((x) => x.to.includes(email) && subject.test(x.subject) && !seen.has(x.id), 30_000);
  seen.add(m.id);
  return m;
}
const BIND = /bind your .* account/i;
const SIGN_IN = /sign-in link/i;

const binds = async (connectorId: string, state?: string) => (await h.ok('GET', `/v1/connectors/${connectorId}/sso/binds${state ? `?state=${state}` : ''}`)).items as Array<{ userId: string; state: string; round: number; deadline: string; sentAt: string | null; boundAt: string | null }>;
const bindOf = async (connectorId: string, userId: string) => (await binds(connectorId)).find((b) => b.userId === userId);
const workflow = (connectorId: string, userId: string) => h.client.workflow.getHandle(`sso-bind/${connectorId}/${userId}`);
const events = async (userId: string, type: string) => (await h.ok('GET', `/v1/events?userId=${userId}&type=${type}`)).items as Array<{ message: string; workflowId: string | null }>;

/** Launches the application from the portal's page: the HTTP-POST binding page Bindery answers with. */
async function launch(browser: PortalClient, page: string, connectorId: string) {
  const answer = await browser.request('POST', formAction(page, new RegExp(`/portal/launch/${connectorId}$`)), { _csrf: field(page, '_csrf') });
  expect(answer.status, answer.text).toBe(200);
  return answer;
}

/** What the browser does with the binding page: posts the SAMLResponse to the application's ACS. */
async function postToAcs(bindingPage: string) {
  const res = await fetch(formAction(bindingPage, /./), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: field(bindingPage, 'SAMLResponse'), ...(bindingPage.includes('name="RelayState"') ? { RelayState: field(bindingPage, 'RelayState') } : {}) }).toString(),
  });
  return { status: res.status, text: await res.text() };
}

/** The real `bindery` CLI against the harness's API. */
const bindery = (args: string[], input?: string) => runCli(h, args, input);

describe('turning SSO on (B1)', () => {
  it('emails every authorized user a bind link, and the admin sees them pending with the 72-hour deadline', async () => {
    const { connectorId, people } = await sso('acti', ['ada', 'bob'], ['eve']);
    expect((await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`)).ssoActive).toBe(true);

    const mail = await mailTo(people.ada!.email, BIND);
    expect(mail.subject).toBe('Action needed: bind your Slack acti account to single sign-on');
    expect(mail.text).toContain('Hello Ada Tester,');
    const link = linkIn(mail.text);
    expect(link.startsWith(`${h.apiUrl}/portal/link/`)).toBe(true);
    expect(mail.html).toContain('Bind my account');
    await mailTo(people.bob!.email, BIND);

    await expect.poll(async () => (await binds(connectorId, 'pending')).filter((b) => b.sentAt).length, WAIT).toBe(2);
    const pending = await binds(connectorId, 'pending');
    expect(pending.map((b) => b.userId).sort()).toEqual([people.ada!.id, people.bob!.id].sort());
    for (const b of pending) {
      expect(b.round).toBe(1);
      const window = new Date(b.deadline).getTime() - new Date(b.sentAt!).getTime();
      expect(Math.abs(window - BIND_WINDOW_MS)).toBeLessThan(60_000);
    }
    // The email names the deadline the admin sees.
    const adaDeadline = pending.find((b) => b.userId === people.ada!.id)!.deadline;
    expect(mail.text).toContain(`${new Date(adaDeadline).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    expect(await bindOf(connectorId, people.eve!.id)).toBeUndefined(); // not authorized: no window
    expect((await workflow(connectorId, people.ada!.id).describe()).status.name).toBe('RUNNING');
    expect(await events(people.ada!.id, 'sso_bind_sent')).toHaveLength(1);

    // The CLI: pending with the deadline.
    const listed = await bindery(['connector', 'sso', 'binds', connectorId, '--state', 'pending']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('acti.ada');
    expect(listed.stdout).toContain(adaDeadline.slice(0, 16));
    expect(listed.stdout).not.toContain('acti.eve');
  });

  it('gives a user who becomes authorized while SSO is on a window of their own', async () => {
    const { connectorId, groupId, people } = await sso('late', ['ada'], ['cy']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    await mailTo(people.ada!.email, BIND);
    expect(await bindOf(connectorId, people.cy!.id)).toBeUndefined();
    await h.ok('PUT', `/v1/groups/${groupId}/members/${people.cy!.id}`);
    await mailTo(people.cy!.email, BIND);
    await expect.poll(async () => (await bindOf(connectorId, people.cy!.id))?.sentAt, WAIT).toBeTruthy();
  });
});

describe('the first launch from the portal (B2)', () => {
  it('signs in once with the emailed link, launches Slack (the emulator signs the user in), and binds the user', async () => {
    const { connectorId, people } = await sso('first', ['ada']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    const link = linkIn((await mailTo(people.ada!.email, BIND)).text);

    const browser = new PortalClient(h.apiUrl);
    const home = await browser.useLink(link);
    expect(home.status, home.text).toBe(200);
    expect(home.url).toContain(`/portal?bind=${connectorId}`);
    expect(home.text).toContain('Your applications');
    expect(home.text).toContain('Slack first');
    expect(home.text).toContain('Launch Slack first once to bind your account to single sign-on.');
    // The session cookie: HttpOnly, SameSite=Lax, not Secure over plain HTTP; its value stored only hashed.
    const sessionCookie = browser.cookies.get('bindery_session')!;
    const setCookie = browser.setCookies.find((c) => c.startsWith('bindery_session='))!;
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).not.toMatch(/; Secure/i);
    const session = await h.db.select().from(portalSessions).where(eq(portalSessions.idHash, createHash('sha256').update(sessionCookie).digest('hex')));
    expect(session).toHaveLength(1);
    const token = link.split('/').at(-1)!;
    const [stored] = await h.db.select().from(portalLinks).where(eq(portalLinks.tokenHash, createHash('sha256').update(token).digest('hex')));
    expect(stored?.usedAt).toBeTruthy();
    expect(JSON.stringify(await h.db.select().from(portalLinks))).not.toContain(token);

    const binding = await launch(browser, home.text, connectorId);
    expect(binding.text).toContain(`action="${h.emulator.origin}/sso/saml"`);
    const slack = await postToAcs(binding.text);
    expect(slack.status, slack.text).toBe(200);
    expect(slack.text).toContain('Signed in to first as first.ada');
    const signIns = (await h.slackControl('GET', '/sso/sign-ins')).body.items as Array<{ email: string; initiatedBy: string }>;
    expect(signIns.at(-1)).toMatchObject({ email: people.ada!.email, initiatedBy: 'idp' });

    await expect.poll(async () => (await bindOf(connectorId, people.ada!.id))?.state, WAIT).toBe('bound');
    expect((await bindOf(connectorId, people.ada!.id))?.boundAt).toBeTruthy();
    expect(await workflow(connectorId, people.ada!.id).result()).toBe('bound');
    expect(await events(people.ada!.id, 'sso_bind_bound')).toHaveLength(1);

    // The link worked once.
    const again = await new PortalClient(h.apiUrl).useLink(link);
    expect(again.status).toBe(410);
    expect(again.text).toContain('expired or was already used');
    // A second launch signs in again; the bind stays as it was.
    const second = await postToAcs((await launch(browser, home.text, connectorId)).text);
    expect(second.status).toBe(200);
    expect(await events(people.ada!.id, 'sso_bind_bound')).toHaveLength(1);
  });

  it('shows a user created in Slack while SSO is on as inactive (pending first launch) until that launch', async () => {
    const { connectorId, groupId, people } = await sso('created', ['ada'], ['bo']);
    await h.ok('POST', `/v1/connectors/${connectorId}/idm/activate`, { scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    await h.ok('PUT', `/v1/groups/${groupId}/members/${people.bo!.id}`);
    const linkOf = async (userId: string) => ((await h.ok('GET', `/v1/connectors/${connectorId}/users?limit=100`)).items as Array<{ userId: string; state: string; firstLaunch: string | null }>).find((l) => l.userId === userId);
    await expect.poll(async () => await linkOf(people.bo!.id), WAIT).toMatchObject({ state: 'active', firstLaunch: 'pending' });
    const listed = await bindery(['connector', 'users', connectorId]);
    expect(listed.stdout).toMatch(/created\.bo .*inactive \(pending first launch\)/);

    const browser = new PortalClient(h.apiUrl);
    const home = await browser.useLink(linkIn((await mailTo(people.bo!.email, BIND)).text));
    expect((await postToAcs((await launch(browser, home.text, connectorId)).text)).status).toBe(200);
    await expect.poll(async () => (await linkOf(people.bo!.id))?.firstLaunch, WAIT).toBe('bound');
    const boLine = (await bindery(['connector', 'users', connectorId])).stdout.split('\n').find((l) => l.includes('created.bo'));
    expect(boLine).toMatch(/ active /);
    expect(boLine).not.toContain('pending first launch');
  });

  it('answers an SP-initiated sign-in after the person signs in with an emailed link, and refuses the same request twice', async () => {
    const { connectorId, people } = await sso('spinit', ['ada']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    await mailTo(people.ada!.email, BIND);

    // Slack sends the browser to Bindery's IdP with an AuthnRequest.
    const start = await fetch(`${h.emulator.origin}/sso/saml/start?RelayState=channel-42`, { redirect: 'manual' });
    const idpUrl = start.headers.get('location')!;
    expect(idpUrl.startsWith(`${h.apiUrl}/sso/${connectorId}/saml?SAMLRequest=`)).toBe(true);
    const browser = new PortalClient(h.apiUrl);
    const signIn = await browser.follow('GET', idpUrl);
    expect(signIn.status).toBe(200);
    expect(signIn.url).toContain('/portal?next=');
    const requested = await browser.request('POST', '/portal/sign-in', { _csrf: field(signIn.text, '_csrf'), next: field(signIn.text, 'next'), email: people.ada!.email.toUpperCase() });
    expect(requested.status).toBe(200);
    expect(requested.text).toContain('Check your email');

    const binding = await browser.useLink(linkIn((await mailTo(people.ada!.email, SIGN_IN)).text));
    expect(binding.status, binding.text).toBe(200);
    expect(binding.text).toContain('name="SAMLResponse"');
    expect(field(binding.text, 'RelayState')).toBe('channel-42');
    const slack = await postToAcs(binding.text);
    expect(slack.text).toContain('Signed in to spinit as spinit.ada');
    const signIns = (await h.slackControl('GET', '/sso/sign-ins')).body.items as Array<{ email: string; initiatedBy: string; relayState?: string }>;
    expect(signIns.at(-1)).toMatchObject({ email: people.ada!.email, initiatedBy: 'sp', relayState: 'channel-42' });
    await expect.poll(async () => (await bindOf(connectorId, people.ada!.id))?.state, WAIT).toBe('bound');

    // Signed in now, the same AuthnRequest again is refused; a new one is answered at once.
    const replay = await browser.follow('GET', idpUrl);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('already answered');
    const fresh = (await fetch(`${h.emulator.origin}/sso/saml/start`, { redirect: 'manual' })).headers.get('location')!;
    const answered = await browser.follow('GET', fresh);
    expect(answered.status).toBe(200);
    expect((await postToAcs(answered.text)).status).toBe(200);
  });
});

describe('resending (B1)', () => {
  it('sends a new email with a fresh window, and the earlier link stops working', async () => {
    const { connectorId, people } = await sso('resend', ['ada', 'bob']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    const first = linkIn((await mailTo(people.ada!.email, BIND)).text);
    await mailTo(people.bob!.email, BIND);
    await expect.poll(async () => (await bindOf(connectorId, people.ada!.id))?.sentAt, WAIT).toBeTruthy();
    const before = await bindOf(connectorId, people.ada!.id);

    const resent = await h.ok('POST', `/v1/connectors/${connectorId}/sso/binds/${people.ada!.id}/resend`);
    expect(resent.items).toEqual([expect.objectContaining({ userId: people.ada!.id, round: 2 })]);
    const second = linkIn((await mailTo(people.ada!.email, BIND)).text);
    expect(second).not.toBe(first);
    await expect.poll(async () => (await bindOf(connectorId, people.ada!.id))?.sentAt, WAIT).not.toBe(before!.sentAt);
    const after = await bindOf(connectorId, people.ada!.id);
    expect(after).toMatchObject({ state: 'pending', round: 2 });
    expect(new Date(after!.deadline).getTime()).toBeGreaterThan(new Date(before!.deadline).getTime());

    const old = await new PortalClient(h.apiUrl).useLink(first);
    expect(old.status).toBe(410);
    expect(old.text).toContain('A newer email replaced this link');
    const browser = new PortalClient(h.apiUrl);
    const fresh = await browser.useLink(second);
    expect(fresh.status).toBe(200);
    expect(fresh.text).toContain('Your applications');
    await postToAcs((await launch(browser, fresh.text, connectorId)).text);
    await expect.poll(async () => (await bindOf(connectorId, people.ada!.id))?.state, WAIT).toBe('bound');
    const bound = await h.call('POST', `/v1/connectors/${connectorId}/sso/binds/${people.ada!.id}/resend`);
    expect(bound.status).toBe(409);
    expect(bound.body.detail).toContain('already bound');

    // The CLI resends to everyone pending or expired (bob), not to bound users.
    const none = await bindery(['connector', 'sso', 'resend', connectorId]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--user <userId>');
    const all = await bindery(['connector', 'sso', 'resend', connectorId, '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('1 bind email(s) queued');
    await mailTo(people.bob!.email, BIND);
    await expect.poll(async () => (await bindOf(connectorId, people.bob!.id))?.round, WAIT).toBe(2);
  });
});

describe('ending windows early', () => {
  it('deactivating SSO ends every open bind workflow; bound users stay bound and the links stop working', async () => {
    const { connectorId, people } = await sso('deact', ['ada', 'bob', 'cy']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    const adaLink = linkIn((await mailTo(people.ada!.email, BIND)).text);
    const bobLink = linkIn((await mailTo(people.bob!.email, BIND)).text);
    await mailTo(people.cy!.email, BIND);
    const browser = new PortalClient(h.apiUrl);
    const home = await browser.useLink(adaLink);
    await postToAcs((await launch(browser, home.text, connectorId)).text);
    await expect.poll(async () => (await bindOf(connectorId, people.ada!.id))?.state, WAIT).toBe('bound');
    expect((await workflow(connectorId, people.bob!.id).describe()).status.name).toBe('RUNNING');

    await h.ok('POST', `/v1/connectors/${connectorId}/sso/deactivate`);
    expect(await workflow(connectorId, people.bob!.id).result()).toBe('withdrawn');
    expect(await workflow(connectorId, people.cy!.id).result()).toBe('withdrawn');
    expect((await binds(connectorId)).map((b) => [b.userId, b.state])).toEqual([[people.ada!.id, 'bound']]);
    expect((await h.ok('GET', `/v1/events?connectorId=${connectorId}&type=sso_bind_withdrawn`)).items).toHaveLength(1);
    const stale = await new PortalClient(h.apiUrl).useLink(bobLink);
    expect(stale.status).toBe(410);
    expect(stale.text).toContain('no longer valid');
    // The tile is gone with SSO.
    expect((await browser.request('GET', '/portal')).text).not.toContain('Slack deact');
  });

  it('losing authorization ends that user’s bind workflow only', async () => {
    const { connectorId, groupId, people } = await sso('lose', ['ada', 'bob']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    await mailTo(people.ada!.email, BIND);
    await mailTo(people.bob!.email, BIND);
    await expect.poll(async () => (await binds(connectorId, 'pending')).filter((b) => b.sentAt).length, WAIT).toBe(2);

    await h.call('DELETE', `/v1/groups/${groupId}/members/${people.bob!.id}`);
    expect(await workflow(connectorId, people.bob!.id).result()).toBe('withdrawn');
    expect(await bindOf(connectorId, people.bob!.id)).toBeUndefined();
    expect(await events(people.bob!.id, 'sso_bind_withdrawn')).toEqual([expect.objectContaining({ message: expect.stringContaining('no longer authorized') })]);
    expect((await workflow(connectorId, people.ada!.id).describe()).status.name).toBe('RUNNING');
    expect((await bindOf(connectorId, people.ada!.id))?.state).toBe('pending');
  });
});

describe('who may sign in and launch', () => {
  it('refuses suspended and password-expired users, and an expired window, each with the reason', async () => {
    const { connectorId, people } = await sso('refuse', ['ada', 'bob', 'cy']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    const adaLink = linkIn((await mailTo(people.ada!.email, BIND)).text);
    const bobLink = linkIn((await mailTo(people.bob!.email, BIND)).text);
    const cyLink = linkIn((await mailTo(people.cy!.email, BIND)).text);

    // Ada signs in, then is suspended: her session ends and she cannot launch.
    const ada = new PortalClient(h.apiUrl);
    const home = await ada.useLink(adaLink);
    expect(home.text).toContain('Launch');
    await h.ok('POST', `/v1/users/${people.ada!.id}/suspend`);
    const refused = await ada.request('POST', formAction(home.text, /launch/), { _csrf: field(home.text, '_csrf') });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Your account is suspended');
    expect(ada.cookies.has('bindery_session')).toBe(false); // the session ended
    expect((await ada.request('GET', '/portal')).text).toContain('Email me a sign-in link');
    expect((await bindOf(connectorId, people.ada!.id))?.state).toBe('pending');

    // Bob's password expires before he uses his link.
    await h.ok('POST', `/v1/users/${people.bob!.id}/expire-password`);
    const bob = await new PortalClient(h.apiUrl).useLink(bobLink);
    expect(bob.status).toBe(403);
    expect(bob.text).toContain('Your password has expired');

    // A suspended user asking for a sign-in link is told nothing different, and gets no mail.
    const form = new PortalClient(h.apiUrl);
    const page = await form.request('GET', '/portal');
    const asked = await form.request('POST', '/portal/sign-in', { _csrf: field(page.text, '_csrf'), email: people.ada!.email });
    expect(asked.text).toContain('Check your email');
    await form.request('POST', '/portal/sign-in', { _csrf: field(page.text, '_csrf'), email: people.cy!.email });
    await mailTo(people.cy!.email, SIGN_IN); // sent after ada's request, which sent nothing
    expect((await h.mail!.list()).filter((m) => m.to.includes(people.ada!.email) && SIGN_IN.test(m.subject))).toHaveLength(0);

    // Cy's window has expired (as the workflow records it after 72 hours: test/timeskip proves the timer).
    await h.db.update(ssoBinds).set({ state: 'expired' }).where(and(eq(ssoBinds.connectorId, connectorId), eq(ssoBinds.userId, people.cy!.id)));
    const cy = await new PortalClient(h.apiUrl).useLink(cyLink);
    expect(cy.status).toBe(410);
    expect(cy.text).toContain('This invitation has expired');
  });

  it('shows the tile only while the connector is shown in the user portal', async () => {
    const { connectorId, people } = await sso('hidden', ['ada']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    const browser = new PortalClient(h.apiUrl);
    expect((await browser.useLink(linkIn((await mailTo(people.ada!.email, BIND)).text))).text).toContain('Slack hidden');
    await h.ok('PATCH', `/v1/connectors/${connectorId}`, { showInUserPortal: false });
    expect((await browser.request('GET', '/portal')).text).not.toContain('Slack hidden');
    await h.ok('PATCH', `/v1/connectors/${connectorId}`, { showInUserPortal: true });
    expect((await browser.request('GET', '/portal')).text).toContain('Slack hidden');
  });

  it('checks every form’s CSRF token and rate-limits sign-in requests per email address and per client address', async () => {
    const { connectorId, people } = await sso('csrf', ['ada']);
    await h.ok('POST', `/v1/connectors/${connectorId}/sso/activate`);
    const browser = new PortalClient(h.apiUrl);
    const home = await browser.useLink(linkIn((await mailTo(people.ada!.email, BIND)).text));
    const forged = await browser.request('POST', formAction(home.text, /launch/), { _csrf: 'x'.repeat(43) });
    expect(forged.status).toBe(403);
    const noToken = await new PortalClient(h.apiUrl).request('POST', '/portal/sign-in', { email: people.ada!.email });
    expect(noToken.status).toBe(403);

    const form = new PortalClient(h.apiUrl);
    const csrf = field((await form.request('GET', '/portal')).text, '_csrf');
    const ask = (email: string) => form.request('POST', '/portal/sign-in', { _csrf: csrf, email });
    for (let i = 0; i < 3; i++) expect((await ask('Someone@Example.com')).status).toBe(200);
    const limited = await ask('someone@example.com');
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Too many sign-in links were asked for this address');
    // Other addresses from the same client, until the client's own limit.
    const statuses: number[] = [];
    for (let i = 0; i < 12 && !statuses.includes(429); i++) statuses.push((await ask(`other${i}@example.com`)).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
  });
});
