import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness';

// The circuit breaker (S4) on a cascade: deactivations beyond the threshold are held (nothing sent), the
// admin is emailed through a real SMTP catcher, and an approval or a rejection carries them out or not.
let h: Harness;
const WAIT = { timeout: 40_000, interval: 100 };

beforeAll(async () => {
  h = await startHarness({ mail: true });
});
afterAll(() => h?.stop());

const slackUser = async (userName: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0];
const links = async (connectorId: string, state: string) => (await h.ok('GET', `/v1/connectors/${connectorId}/users?state=${state}&limit=500`)).items as Array<{ userId: string; lastError: string }>;

/** A connector whose breaker trips past 2 deactivations (10 % of 10 linked users, at least 3), with 10 users active in Slack: 6 in `cascade`, 4 elsewhere. */
async function tenUsers(label: string): Promise<{ connectorId: string; cascade: string; names: string[] }> {
  const connectorId = (await h.ok('POST', '/v1/connectors', { label, teamName: label, teamDomain: `${label}.slack.com`, scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id as string;
  await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { breakerPercent: 10, breakerMinUsers: 3, breakerWindowMinutes: 60 });
  const cascade = (await h.ok('POST', '/v1/groups', { name: `${label} cascade` })).id as string;
  const rest = (await h.ok('POST', '/v1/groups', { name: `${label} rest` })).id as string;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${cascade}`);
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${rest}`);
  const names: string[] = [];
  for (let i = 0; i < 10; i++) {
    const username = `${label}.${i}`;
    const id = (await h.ok('POST', '/v1/users', { username, email: `${username}@example.com` })).id as string;
    await h.ok('PUT', `/v1/groups/${i < 6 ? cascade : rest}/members/${id}`);
    if (i < 6) names.push(username);
  }
  await expect.poll(async () => (await links(connectorId, 'active')).length, WAIT).toBe(10);
  return { connectorId, cascade, names };
}

const activeInSlack = async (names: string[]) => (await Promise.all(names.map(slackUser))).filter((u) => u?.active).length;

describe('the circuit breaker on an unbind cascade', () => {
  it('holds the deactivations past the threshold, emails the admin, and carries them out once approved', async () => {
    const { connectorId, cascade, names } = await tenUsers('brk');
    await h.ok('DELETE', `/v1/connectors/${connectorId}/groups/${cascade}`);

    // Two go through; four are held: nothing sent for them.
    await expect.poll(async () => (await links(connectorId, 'held')).length, WAIT).toBe(4);
    await expect.poll(async () => (await links(connectorId, 'deactivated')).length, WAIT).toBe(2);
    expect(await activeInSlack(names)).toBe(4);
    const [hold] = (await h.ok('GET', `/v1/connectors/${connectorId}/held`)).items;
    expect(hold).toMatchObject({ status: 'open', reason: expect.stringMatching(/More than 2 of 10 linked users \(10%, at least 3\)/), users: expect.any(Array) });
    expect(hold.users).toHaveLength(4);

    // The admin is told once, with the numbers, the reason and the commands.
    const mail = await h.mail!.waitFor((m) => /held 4 deactivations/.test(m.subject), 30_000);
    expect(mail.to).toEqual([h.adminEmail]);
    expect(mail.text).toContain('4 of 10 linked users');
    expect(mail.text).toContain(`bindery connector approve ${hold.id}`);
    expect(mail.text).toContain(`bindery connector reject ${hold.id}`);

    const approved = await h.call('POST', `/v1/holds/${hold.id}/approve`, { by: 'ada@example.com', reason: 'planned reorganisation' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'ada@example.com' });
    await expect.poll(() => activeInSlack(names), WAIT).toBe(0);
    await expect.poll(async () => (await links(connectorId, 'deactivated')).length, WAIT).toBe(6);
    const events = (await h.ok('GET', `/v1/events?connectorId=${connectorId}&type=deactivation_approved`)).items;
    expect(events).toEqual([expect.objectContaining({ objectId: hold.id, message: 'ada@example.com approved 4 held deactivation(s): planned reorganisation. They are carried out now.' })]);
    expect((await h.call('POST', `/v1/holds/${hold.id}/reject`, { by: 'x' })).status).toBe(409);
  });

  it('a rejection cancels them: the accounts stay active, and later passes do not hold them again', async () => {
    const { connectorId, cascade, names } = await tenUsers('rej');
    await h.ok('DELETE', `/v1/connectors/${connectorId}/groups/${cascade}`);
    await expect.poll(async () => (await links(connectorId, 'held')).length, WAIT).toBe(4);
    const [hold] = (await h.ok('GET', `/v1/connectors/${connectorId}/held`)).items;
    expect((await h.call('POST', `/v1/holds/${hold.id}/reject`, { by: 'grace', reason: 'wrong group unbound' })).status).toBe(200);
    await expect.poll(async () => (await links(connectorId, 'active')).filter((l) => /rejected this deactivation/.test(l.lastError ?? '')).length, WAIT).toBe(4);
    expect(await activeInSlack(names)).toBe(4);
    expect((await h.ok('GET', `/v1/events?connectorId=${connectorId}&type=deactivation_rejected`)).items).toEqual([expect.objectContaining({ message: expect.stringMatching(/^grace rejected 4 held deactivation\(s\): wrong group unbound/) })]);

    // Another pass for one of them (a manual sync) keeps the account as it is.
    const [one] = await links(connectorId, 'active').then((l) => l.filter((x) => /rejected/.test(x.lastError ?? '')));
    await h.ok('POST', `/v1/connectors/${connectorId}/users/${one!.userId}/sync`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await activeInSlack(names)).toBe(4);
    expect((await h.ok('GET', `/v1/connectors/${connectorId}/held`)).items).toHaveLength(1);
  });

  it('can be turned off per connector: everything goes at once', async () => {
    const { connectorId, cascade, names } = await tenUsers('off');
    await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { breakerEnabled: false });
    await h.ok('DELETE', `/v1/connectors/${connectorId}/groups/${cascade}`);
    await expect.poll(() => activeInSlack(names), WAIT).toBe(0);
    expect((await h.ok('GET', `/v1/connectors/${connectorId}/held`)).items).toEqual([]);
  });
});
