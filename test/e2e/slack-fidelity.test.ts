import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Harness, startHarness } from '../support/harness';

// What Slack refuses or forgets never breaks the rest: guests left out of groups (U9), guest roles that
// travel or wait for an admin, members Slack lost behind Bindery's back, groups Slack manages itself.
let h: Harness;
const WAIT = { timeout: 40_000, interval: 100 };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

const slackUser = async (userName: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0];
const slackGroup = async (name: string) => (await h.slack('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources[0];
const memberNames = async (name: string) => {
  const g = await slackGroup(name);
  if (!g) return undefined;
  return (await Promise.all((g.members ?? []).map(async (m: any) => (await h.slack('GET', `/Users/${m.value}`)).body.userName))).sort();
};
const events = async (connectorId: string, objectId: string, type?: string) =>
  ((await h.ok('GET', `/v1/events?connectorId=${connectorId}&userId=${objectId}${type ? `&type=${type}` : ''}&limit=500`)).items as any[]);

async function connector(label: string, plan: 'business_plus' | 'enterprise_grid'): Promise<string> {
  return (await h.ok('POST', '/v1/connectors', { label, teamName: label, teamDomain: `${label}.slack.com`, plan, scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
}
async function boundGroup(connectorId: string, name: string): Promise<string> {
  const id = (await h.ok('POST', '/v1/groups', { name })).id as string;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${id}`);
  return id;
}
async function member(groupId: string, fields: Record<string, unknown>): Promise<string> {
  const id = (await h.ok('POST', '/v1/users', { email: `${String(fields.username)}@example.com`, ...fields })).id as string;
  await h.ok('PUT', `/v1/groups/${groupId}/members/${id}`);
  return id;
}

describe('guests on Enterprise Grid (U9)', () => {
  let grid: string;
  let g: string;
  beforeAll(async () => {
    grid = await connector('grid', 'enterprise_grid');
    g = await boundGroup(grid, 'Grid Mixed');
  });

  it('leaves guests out of Slack groups, says so, and syncs the rest of the group', async () => {
    await member(g, { username: 'grid.member' });
    await member(g, { username: 'grid.guest', guest: true });
    await expect.poll(() => slackUser('grid.guest'), WAIT).toMatchObject({ active: true, [SCHEMAS.guest]: { type: 'multi' } });
    await expect.poll(() => memberNames('Grid Mixed'), WAIT).toEqual(['grid.member']);
    const progress = await h.ok('GET', `/v1/connectors/${grid}/groups/${g}/progress`);
    expect(progress).toMatchObject({ membersLeftOut: 1, groupState: 'synced', usersActive: 2 });
    const created = (await events(grid, g, 'group_create_provision'))[0];
    expect(created).toMatchObject({ outcome: 'success', message: expect.stringMatching(/1 member\(s\) left out: Slack does not allow them in groups \(guests\)/) });
    expect((await h.ok('GET', `/v1/connectors/${grid}/groups`)).items[0].groupLink).toMatchObject({ membersLeftOut: 1, memberCount: 1 });
  });

  it('converts a guest to a member and back through SCIM, and the group follows', async () => {
    const id = await member(g, { username: 'grid.convert', guest: true });
    await expect.poll(() => slackUser('grid.convert'), WAIT).toMatchObject({ [SCHEMAS.guest]: { type: 'multi' } });
    await h.ok('PATCH', `/v1/users/${id}`, { guest: false });
    await expect.poll(async () => (await slackUser('grid.convert'))[SCHEMAS.guest] ?? null, WAIT).toBeNull();
    await expect.poll(() => memberNames('Grid Mixed'), WAIT).toEqual(['grid.convert', 'grid.member']);
    await h.ok('PATCH', `/v1/users/${id}`, { guest: true });
    await expect.poll(() => slackUser('grid.convert'), WAIT).toMatchObject({ [SCHEMAS.guest]: { type: 'multi' } });
    await expect.poll(() => memberNames('Grid Mixed'), WAIT).toEqual(['grid.member']);
    await expect.poll(async () => (await events(grid, id, 'user_update_provision')).filter((e) => e.outcome === 'success').length, WAIT).toBe(2);
  });
});

describe('guest roles on Business+ (U9)', () => {
  it('a member made a guest waits for an admin in Slack: needs_action with what to do, once', async () => {
    const plus = await connector('plus', 'business_plus');
    const g = await boundGroup(plus, 'Plus Everyone');
    const id = await member(g, { username: 'plus.member' });
    await expect.poll(() => slackUser('plus.member'), WAIT).toMatchObject({ active: true });
    await h.ok('PATCH', `/v1/users/${id}`, { guest: true, jobTitle: 'Contractor' });
    await expect.poll(() => slackUser('plus.member'), WAIT).toMatchObject({ title: 'Contractor' });
    await expect.poll(async () => (await h.ok('GET', `/v1/connectors/${plus}/users?state=needs_action`)).items, WAIT).toEqual([
      expect.objectContaining({ userId: id, lastErrorCode: 'guest_role_manual', lastError: expect.stringMatching(/in Slack, change this account's role to guest/) }),
    ]);
    // Another change does not repeat the request to the admin.
    await h.ok('PATCH', `/v1/users/${id}`, { department: 'Outside' });
    await expect.poll(async () => (await events(plus, id, 'user_update_provision')).filter((e) => e.outcome === 'success').length, WAIT).toBe(2);
    expect((await events(plus, id, 'user_update_provision')).filter((e) => e.errorCode === 'guest_role_manual')).toHaveLength(1);
    expect((await slackUser('plus.member'))[SCHEMAS.guest] ?? null).toBeNull();
  });
});

describe('groups Slack manages itself (G7)', () => {
  it('a Slack-managed group of the same name is recognised at takeover, never reported as taken over', async () => {
    const c = await connector('managed', 'business_plus');
    await h.slackControl('POST', '/groups/slack-managed', { displayName: 'Workspace Owners' });
    const g = await boundGroup(c, 'Workspace Owners');
    await member(g, { username: 'owner.one' });
    await expect.poll(async () => (await h.ok('GET', `/v1/connectors/${c}/groups`)).items[0].groupLink, WAIT).toMatchObject({ state: 'failed', lastErrorCode: 'slack_managed_group' });
    const groupEvents = await events(c, g);
    expect(groupEvents.filter((e) => e.outcome === 'success')).toEqual([]);
    expect(groupEvents).toEqual([expect.objectContaining({ outcome: 'failure', errorCode: 'slack_managed_group', message: expect.stringMatching(/manages this group itself/) })]);
  });
});

describe('Slack state Bindery has lost track of', () => {
  it('members gone from Slack never block their group: they are set aside, recreated, and the group syncs', async () => {
    const c = await connector('lost', 'business_plus');
    const g = await boundGroup(c, 'Lost Team');
    const ids = [await member(g, { username: 'lost.a' }), await member(g, { username: 'lost.b' })];
    await expect.poll(() => memberNames('Lost Team'), WAIT).toEqual(['lost.a', 'lost.b']);
    await expect.poll(async () => (await h.ok('GET', `/v1/connectors/${c}/groups/${g}/progress`)).groupState, WAIT).toBe('synced');

    // Slack forgets everything (the emulator restarts empty); Bindery still believes the old IDs.
    await h.slackControl('POST', '/reset');
    await h.slackControl('POST', '/plan', { plan: 'business_plus' });
    const c2 = await member(g, { username: 'lost.c' });
    await expect.poll(() => memberNames('Lost Team'), WAIT).toEqual(['lost.a', 'lost.b', 'lost.c']);
    const setAside = (await events(c, g, 'group_update_provision')).find((e) => e.outcome === 'failure');
    expect(setAside?.message).toMatch(/Slack refused 2 members: lost\.a \(usr_\w+\), lost\.b \(usr_\w+\)\. Set aside/);
    for (const id of [...ids, c2]) expect((await h.ok('GET', `/v1/connectors/${c}/users`)).items.find((l: { userId: string }) => l.userId === id)).toMatchObject({ state: 'active' });
  });

  it('after an unbind, the group’s member count is what Slack holds: its members still active there', async () => {
    const c = await connector('unbound', 'business_plus');
    const g = await boundGroup(c, 'Unbound Team');
    const keep = await boundGroup(c, 'Unbound Keep');
    const stays = await member(g, { username: 'unb.stays' });
    await h.ok('PUT', `/v1/groups/${keep}/members/${stays}`);
    await member(g, { username: 'unb.goes' });
    await expect.poll(() => memberNames('Unbound Team'), WAIT).toEqual(['unb.goes', 'unb.stays']);
    await h.ok('DELETE', `/v1/connectors/${c}/groups/${g}`);
    await expect.poll(() => slackUser('unb.goes'), WAIT).toMatchObject({ active: false });
    await expect.poll(() => memberNames('Unbound Team'), WAIT).toEqual(['unb.stays']);
    const view = (await h.ok('GET', `/v1/connectors/${c}/groups`)).items.find((b: { groupId: string }) => b.groupId === g);
    expect(view).toMatchObject({ state: 'unbound', groupLink: { state: 'disabled', memberCount: 1 } });
  });
});
