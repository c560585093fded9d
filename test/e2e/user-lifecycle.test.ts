import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Harness, startHarness } from '../support/harness';

// Every rule of the user lifecycle, end to end: admin API → outbox → dispatcher → user-sync workflow
// → emulator state and insights events. No test calls the sync route: directory changes alone drive Slack.
let h: Harness;
let connectorId: string;
let groupId: string;
const WAIT = { timeout: 30_000, interval: 100 };

beforeAll(async () => {
  h = await startHarness();
  connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Acme', teamName: 'acme', teamDomain: 'lifecycle.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  groupId = (await h.ok('POST', '/v1/groups', { name: 'Slack users' })).id;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {});
});
afterAll(() => h?.stop());

/** A directory user in the bound group (authorized), or outside it. */
async function member(fields: Record<string, unknown>, opts: { authorized?: boolean } = {}): Promise<string> {
  const id = (await h.ok('POST', '/v1/users', fields)).id as string;
  if (opts.authorized !== false) await h.ok('PUT', `/v1/groups/${groupId}/members/${id}`);
  return id;
}
const slackUser = async (userName: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0];
const events = async (userId: string, type?: string) =>
  (await h.call('GET', `/v1/events?userId=${userId}&connectorId=${connectorId}${type ? `&type=${type}` : ''}`)).body.items as any[];
const link = async (userId: string) => ((await h.call('GET', `/v1/connectors/${connectorId}/users?limit=500`)).body.items as any[]).find((l) => l.userId === userId);

describe('provisioning (U1, U2)', () => {
  it('creates an authorized user in Slack without any explicit sync request', async () => {
    const id = await member({ username: 'lc.create', email: 'lc.create@example.com', firstName: 'Lin', lastName: 'Create', jobTitle: 'Engineer' });
    await expect.poll(() => slackUser('lc.create'), WAIT).toMatchObject({ active: true, title: 'Engineer', name: { givenName: 'Lin' } });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success' })]);
  });

  it('leaves a user who is in no bound group out of Slack (implicit deny)', async () => {
    const id = await member({ username: 'lc.denied', email: 'lc.denied@example.com' }, { authorized: false });
    const other = await member({ username: 'lc.witness', email: 'lc.witness@example.com' });
    await expect.poll(() => slackUser('lc.witness'), WAIT).toBeDefined(); // a later change has been processed…
    expect(await slackUser('lc.denied')).toBeUndefined(); // …and this one was never sent
    expect(await events(id)).toEqual([]);
    expect(other).toBeTruthy();
  });
});

describe('updates (U3)', () => {
  it('PATCHes only what changed, title and enterprise fields included', async () => {
    const id = await member({ username: 'lc.update', email: 'lc.update@example.com', jobTitle: 'Analyst', department: 'Ops' });
    await expect.poll(() => slackUser('lc.update'), WAIT).toMatchObject({ title: 'Analyst' });
    await h.ok('PATCH', `/v1/users/${id}`, { jobTitle: 'Lead', department: 'Research' });
    await expect.poll(() => slackUser('lc.update'), WAIT).toMatchObject({ title: 'Lead', [SCHEMAS.enterprise]: expect.objectContaining({ department: 'Research' }) });
    await expect.poll(async () => (await events(id, 'user_update_provision')).map((e) => e.message), WAIT).toEqual([expect.stringMatching(/^Updated in Slack: .*title.*department|^Updated in Slack: .*department.*title/)]);
    const update = (await events(id, 'user_update_provision'))[0];
    expect(update.message).not.toMatch(/userName|emails|givenName/);
  });

  it('sends display names only while the connector says users cannot choose their own', async () => {
    const id = await member({ username: 'lc.display', email: 'lc.display@example.com', displayName: 'Disp One' });
    await expect.poll(() => slackUser('lc.display'), WAIT).toMatchObject({ displayName: 'Disp One' });
    await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { usersChooseDisplayName: true });
    await h.ok('PATCH', `/v1/users/${id}`, { displayName: 'Disp Two', jobTitle: 'Changed' });
    await expect.poll(() => slackUser('lc.display'), WAIT).toMatchObject({ title: 'Changed' });
    expect((await slackUser('lc.display')).displayName).toBe('Disp One');
    await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { usersChooseDisplayName: false });
  });
});

describe('deactivation and return (U4)', () => {
  const cases: Array<[string, string, string, string, string]> = [
    ['suspension', 'suspend', 'unsuspend', 'user_deprovision', 'suspended'],
    ['password expiry', 'expire-password', 'reset-password', 'user_deprovision', 'password expired'],
  ];
  it.each(cases)('%s deactivates, and the return reactivates the same Slack user', async (_name, off, on, eventType, reason) => {
    const username = `lc.${off.slice(0, 6)}`;
    const id = await member({ username, email: `${username}@example.com` });
    await expect.poll(() => slackUser(username), WAIT).toMatchObject({ active: true });
    const remoteId = (await slackUser(username)).id;

    await h.ok('POST', `/v1/users/${id}/${off}`);
    await expect.poll(() => slackUser(username), WAIT).toMatchObject({ active: false });
    await expect.poll(() => events(id, eventType), WAIT).toEqual([expect.objectContaining({ outcome: 'success', message: expect.stringContaining(reason) })]);

    await h.ok('POST', `/v1/users/${id}/${on}`);
    await expect.poll(() => slackUser(username), WAIT).toMatchObject({ active: true, id: remoteId });
    await expect.poll(async () => (await events(id, 'user_update_provision')).map((e) => e.message), WAIT).toEqual([expect.stringMatching(/^Reactivated/)]);
    expect((await h.slack('GET', '/Users?count=1000')).body.Resources.filter((u: any) => u.userName === username)).toHaveLength(1);
  });

  it('losing the last bound group deactivates; regaining it reactivates', async () => {
    const id = await member({ username: 'lc.unauth', email: 'lc.unauth@example.com' });
    await expect.poll(() => slackUser('lc.unauth'), WAIT).toMatchObject({ active: true });
    await h.ok('DELETE', `/v1/groups/${groupId}/members/${id}`);
    await expect.poll(() => slackUser('lc.unauth'), WAIT).toMatchObject({ active: false });
    await expect.poll(async () => (await events(id, 'user_deprovision')).length, WAIT).toBe(1);
    expect((await events(id, 'user_deprovision'))[0].message).toMatch(/no group bound/);
    await h.ok('PUT', `/v1/groups/${groupId}/members/${id}`);
    await expect.poll(() => slackUser('lc.unauth'), WAIT).toMatchObject({ active: true });
  });

  it('deleting from the directory deactivates (never deletes) with user_delete_provision', async () => {
    const id = await member({ username: 'lc.delete', email: 'lc.delete@example.com' });
    await expect.poll(() => slackUser('lc.delete'), WAIT).toMatchObject({ active: true });
    await h.ok('DELETE', `/v1/users/${id}`);
    await expect.poll(() => slackUser('lc.delete'), WAIT).toMatchObject({ active: false });
    await expect.poll(() => events(id, 'user_delete_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success' })]);
  });
});

describe('validation before sending (U5)', () => {
  it('refuses a 21-character username with an actionable event, sends nothing, and resumes on the next change', async () => {
    const posts = async () => (await h.slackControl('GET', '/stats')).body.endpoints['POST /Users']?.total ?? 0;
    const before = await posts();
    const id = await member({ username: 'a'.repeat(21), email: 'lc.long@example.com' });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'username_too_long' })]);
    expect((await events(id, 'user_create_provision'))[0].message).toMatch(/^Not sent to Slack: .*21/);
    expect(await link(id)).toMatchObject({ state: 'failed', lastErrorCode: 'username_too_long' });

    await h.ok('PATCH', `/v1/users/${id}`, { username: 'lc.short' });
    await expect.poll(() => slackUser('lc.short'), WAIT).toMatchObject({ active: true });
    expect(await posts()).toBe(before + 1); // only the valid request reached Slack
  });

  it('refuses a display name Slack would reject', async () => {
    const id = await member({ username: 'lc.at', email: 'lc.at@example.com', displayName: '@boss' });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'invalid_starts_with_at' })]);
  });
});

describe('duplicate emails (U6)', () => {
  it("refuses when a deactivated stranger's Slack account holds the email, saying what to do", async () => {
    const holder = await h.slack('POST', '/Users', { schemas: [SCHEMAS.user], userName: 'old.holder', emails: [{ value: 'lc.taken@example.com', primary: true }] });
    await h.slack('DELETE', `/Users/${holder.body.id}`);
    const id = await member({ username: 'lc.taken', email: 'lc.taken@example.com' });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'email_taken' })]);
    expect((await events(id, 'user_create_provision'))[0].message).toMatch(/change that account's email by hand/);
    expect(await slackUser('lc.taken')).toBeUndefined();
  });

  it("reactivates and links the same person's earlier, deactivated account", async () => {
    const earlier = await h.slack('POST', '/Users', { schemas: [SCHEMAS.user], userName: 'lc.returner', emails: [{ value: 'lc.returner@example.com', primary: true }] });
    await h.slack('DELETE', `/Users/${earlier.body.id}`);
    const id = await member({ username: 'lc.returner', email: 'lc.returner@example.com' });
    await expect.poll(() => slackUser('lc.returner'), WAIT).toMatchObject({ id: earlier.body.id, active: true });
    expect(await link(id)).toMatchObject({ remoteId: earlier.body.id, state: 'active' });
  });
});

describe('guests (U9)', () => {
  it('creates a guest as a member on Business+, and lists them as needing an admin to change the role in Slack', async () => {
    const id = await member({ username: 'lc.guest', email: 'lc.guest@example.com', guest: true });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success' })]);
    await expect.poll(() => events(id, 'user_update_provision'), WAIT).toEqual([
      expect.objectContaining({ outcome: 'failure', errorCode: 'guest_role_manual', message: expect.stringMatching(/full member.*Business\+ cannot make guests.*change this account's role to guest/) }),
    ]);
    expect(await link(id)).toMatchObject({ state: 'needs_action', lastErrorCode: 'guest_role_manual' });
    expect((await slackUser('lc.guest'))[SCHEMAS.guest]?.type ?? null).toBeNull();
  });

  it('creates a multi-channel guest on an Enterprise Grid connector', async () => {
    const grid = (await h.ok('POST', '/v1/connectors', { label: 'Grid', teamName: 'grid', teamDomain: 'grid.enterprise.slack.com', plan: 'enterprise_grid', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
    const guests = (await h.ok('POST', '/v1/groups', { name: 'Grid guests' })).id;
    await h.ok('PUT', `/v1/connectors/${grid}/groups/${guests}`, {});
    const id = (await h.ok('POST', '/v1/users', { username: 'lc.gridguest', email: 'lc.gridguest@example.com', guest: true })).id;
    await h.ok('PUT', `/v1/groups/${guests}/members/${id}`);
    await expect.poll(() => slackUser('lc.gridguest'), WAIT).toMatchObject({ active: true, [SCHEMAS.guest]: { type: 'multi' } });
  });
});

describe('failures and retries', () => {
  it('does not retry a permanent refusal (a channel owns the name)', async () => {
    await h.slackControl('POST', '/channels', { name: 'lc.channel' });
    const id = await member({ username: 'lc.channel', email: 'lc.channel@example.com' });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'username_taken' })]);
    expect((await h.slackControl('GET', '/stats')).body.endpoints['POST /Users'].byStatus['409']).toBe(1);
  });

  it('waits out a 429 as Slack asks, then succeeds', async () => {
    await h.slackControl('POST', '/faults', { errorRate: 1, status: 429, latencyMs: 0, methods: ['POST'] });
    const id = await member({ username: 'lc.limited', email: 'lc.limited@example.com' });
    await expect.poll(async () => (await h.slackControl('GET', '/stats')).body.endpoints['POST /Users']?.byStatus['429'] ?? 0, WAIT).toBeGreaterThan(0);
    await h.slackControl('POST', '/faults', { errorRate: 0, status: 500, latencyMs: 0 });
    await expect.poll(() => slackUser('lc.limited'), WAIT).toMatchObject({ active: true });
    // Every attempt leaves an event (U8): each 429 with Slack's code and the wait it asked for, then the success
    // (recorded once Slack has answered, so a moment after the account exists there).
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: 'success' })]));
    const throttled = (await events(id)).filter((e) => e.outcome === 'failure');
    expect(throttled.length).toBeGreaterThan(0);
    for (const e of throttled) expect(e).toMatchObject({ type: 'user_create_provision', errorCode: 'too_many_requests', message: expect.stringMatching(/Retried after \d+ s \(Retry-After\)/) });
  });

  it('quarantines a user whose transient failures outlast the retries, listed as stuck', async () => {
    const id = await member({ username: 'lc.stuck', email: 'lc.stuck@example.com' }, { authorized: false });
    // Started first with a short retry policy (the quarantine path without waiting minutes); the
    // membership change below then signals this run.
    await h.startUserSync({ connectorId, userId: id, retry: { maximumAttempts: 2, initialInterval: '100 milliseconds' } });
    await h.slackControl('POST', '/faults', { errorRate: 1, status: 503, latencyMs: 0, methods: ['POST'] });
    try {
      await h.ok('PUT', `/v1/groups/${groupId}/members/${id}`);
      await expect.poll(async () => (await h.call('GET', `/v1/connectors/${connectorId}/users?state=stuck`)).body.items.map((l: any) => l.userId), WAIT).toContain(id);
      expect((await link(id)).lastError).toMatch(/Quarantined/);
    } finally {
      await h.slackControl('POST', '/faults', { errorRate: 0, status: 500, latencyMs: 0 });
    }
    await h.ok('PATCH', `/v1/users/${id}`, { jobTitle: 'Back' }); // the next change takes it out of quarantine
    await expect.poll(() => slackUser('lc.stuck'), WAIT).toMatchObject({ active: true });
  });
});
