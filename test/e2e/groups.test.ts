import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Harness, startHarness } from '../support/harness';

// Groups and cascades end to end (G1–G8, X2): directory changes through the API → outbox → group-sync and
// user-sync workflows → the emulator's groups and users, and the events.
let h: Harness;
let connectorId: string;
const WAIT = { timeout: 40_000, interval: 100 };

beforeAll(async () => {
  h = await startHarness();
  connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Groups', teamName: 'g', teamDomain: 'groups.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
});
afterAll(() => h?.stop());

const slackGroup = async (name: string) => (await h.slack('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources[0];
const memberNames = async (name: string) => {
  const g = await slackGroup(name);
  if (!g) return undefined;
  const names = await Promise.all((g.members ?? []).map(async (m: any) => (await h.slack('GET', `/Users/${m.value}`)).body.userName));
  return names.sort();
};
const slackUser = async (userName: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0];
const groupEvents = async (groupId: string, type?: string) =>
  ((await h.call('GET', `/v1/events?connectorId=${connectorId}${type ? `&type=${type}` : ''}&limit=500`)).body.items as any[]).filter((e) => e.objectId === groupId);

async function group(name: string, bind = true): Promise<string> {
  const id = (await h.ok('POST', '/v1/groups', { name })).id as string;
  if (bind) await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${id}`, {});
  return id;
}
async function user(username: string, groups: string[]): Promise<string> {
  const id = (await h.ok('POST', '/v1/users', { username, email: `${username}@example.com` })).id as string;
  for (const g of groups) await h.ok('PUT', `/v1/groups/${g}/members/${id}`);
  return id;
}

describe('group sync (G1, G8)', () => {
  it('does not create an empty group, creates it with its first member, and follows membership', async () => {
    const g = await group('Engineering');
    const witness = await group('Witness');
    await user('gs.witness', [witness]);
    await expect.poll(() => memberNames('Witness'), WAIT).toEqual(['gs.witness']);
    expect(await slackGroup('Engineering')).toBeUndefined(); // empty: never created
    expect((await groupEvents(g)).filter((e) => e.outcome === 'success')).toEqual([]);

    const a = await user('gs.a', [g, witness]); // stays authorized through Witness when it leaves Engineering
    await user('gs.b', [g]);
    await expect.poll(() => memberNames('Engineering'), WAIT).toEqual(['gs.a', 'gs.b']);
    expect((await groupEvents(g, 'group_create_provision'))[0]).toMatchObject({ outcome: 'success' });

    await h.ok('DELETE', `/v1/groups/${g}/members/${a}`);
    await expect.poll(() => memberNames('Engineering'), WAIT).toEqual(['gs.b']);
    await expect.poll(async () => (await groupEvents(g, 'group_update_provision')).some((e) => /1 removed/.test(e.message)), WAIT).toBe(true);
  });

  it('takes over an existing Slack group with the same name', async () => {
    const pre = await h.slack('POST', '/Groups', { schemas: [SCHEMAS.group], displayName: 'Design' });
    const g = await group('Design');
    await user('gs.designer', [g]);
    await expect.poll(() => memberNames('Design'), WAIT).toEqual(['gs.designer']);
    expect((await slackGroup('Design')).id).toBe(pre.body.id);
    expect((await h.slack('GET', '/Groups?count=1000')).body.Resources.filter((x: any) => x.displayName === 'Design')).toHaveLength(1);
  });

  it('propagates renames', async () => {
    const g = await group('Sales');
    await user('gs.seller', [g]);
    await expect.poll(() => slackGroup('Sales'), WAIT).toBeDefined();
    const remoteId = (await slackGroup('Sales')).id;
    await h.ok('PATCH', `/v1/groups/${g}`, { name: 'Revenue' });
    await expect.poll(() => slackGroup('Revenue'), WAIT).toMatchObject({ id: remoteId });
    expect(await slackGroup('Sales')).toBeUndefined();
  });

  it('refuses to write a group Slack manages itself (G7)', async () => {
    const g = await group('Team Admins');
    await user('gs.admin', [g]);
    await expect.poll(async () => (await groupEvents(g)).map((e) => e.errorCode), WAIT).toContain('slack_managed_group');
    expect((await groupEvents(g)).filter((e) => e.outcome === 'success')).toEqual([]);
    expect(await slackGroup('Team Admins')).toBeUndefined();
  });
});

describe('cascades (G2, G3, G4)', () => {
  it('deleting a group deletes it in Slack and deactivates members no other bound group authorizes', async () => {
    const doomed = await group('Doomed');
    const other = await group('Other');
    await user('gs.only', [doomed]);
    await user('gs.both', [doomed, other]);
    await expect.poll(() => memberNames('Doomed'), WAIT).toEqual(['gs.both', 'gs.only']);

    await h.ok('DELETE', `/v1/groups/${doomed}`);
    await expect.poll(() => slackGroup('Doomed'), WAIT).toBeUndefined();
    await expect.poll(() => slackUser('gs.only'), WAIT).toMatchObject({ active: false });
    expect(await slackUser('gs.both')).toMatchObject({ active: true });
    expect(await memberNames('Other')).toEqual(['gs.both']);
    await expect.poll(() => groupEvents(doomed, 'group_delete_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success' })]);
  });

  it('unbinding stops syncing, leaves the Slack group as it is, deactivates members no other group authorizes, and refuses binding again', async () => {
    const leaving = await group('Leaving');
    const staying = await group('Staying');
    await user('gs.leaver', [leaving]);
    await user('gs.stayer', [leaving, staying]);
    await expect.poll(() => memberNames('Leaving'), WAIT).toEqual(['gs.leaver', 'gs.stayer']);
    const before = await slackGroup('Leaving');

    await h.ok('DELETE', `/v1/connectors/${connectorId}/groups/${leaving}`);
    await expect.poll(() => slackUser('gs.leaver'), WAIT).toMatchObject({ active: false });
    expect(await slackUser('gs.stayer')).toMatchObject({ active: true });
    await h.ok('PUT', `/v1/groups/${leaving}/members/${await user('gs.late', [staying])}`); // syncing has stopped
    await expect.poll(() => memberNames('Staying'), WAIT).toEqual(['gs.late', 'gs.stayer']);
    const after = await slackGroup('Leaving');
    expect(after.id).toBe(before.id); // the Slack group stays (Slack drops deactivated members itself)
    expect((await memberNames('Leaving'))!).not.toContain('gs.late');

    const again = await h.call('PUT', `/v1/connectors/${connectorId}/groups/${leaving}`, {});
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/re-enable|cannot be added back|disabled/i);
  });
});

describe('group management toggle (G6) and returning users (X2)', () => {
  it('disabled: groups left as they are, users still managed; enabled again: groups re-synced', async () => {
    const g = await group('Toggle');
    await user('gs.t1', [g]);
    await expect.poll(() => memberNames('Toggle'), WAIT).toEqual(['gs.t1']);

    await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { groupManagement: false });
    await user('gs.t2', [g]);
    await expect.poll(() => slackUser('gs.t2'), WAIT).toMatchObject({ active: true }); // still provisioned
    const view = (await h.ok('GET', `/v1/connectors/${connectorId}/groups`)).items ?? (await h.ok('GET', `/v1/connectors/${connectorId}/groups`));
    expect(JSON.stringify(view)).toContain('disabled');
    expect(await memberNames('Toggle')).toEqual(['gs.t1']); // group left as it is

    await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { groupManagement: true });
    await expect.poll(() => memberNames('Toggle'), WAIT).toEqual(['gs.t1', 'gs.t2']);
  });

  it('a user who comes back is reactivated and put back into every managed group', async () => {
    const g1 = await group('Back One');
    const g2 = await group('Back Two');
    const id = await user('gs.back', [g1, g2]);
    await expect.poll(() => memberNames('Back Two'), WAIT).toEqual(['gs.back']);
    await expect.poll(() => memberNames('Back One'), WAIT).toEqual(['gs.back']);

    await h.ok('POST', `/v1/users/${id}/suspend`);
    await expect.poll(() => slackUser('gs.back'), WAIT).toMatchObject({ active: false });
    await expect.poll(() => memberNames('Back One'), WAIT).toEqual([]);

    await h.ok('POST', `/v1/users/${id}/unsuspend`);
    await expect.poll(() => slackUser('gs.back'), WAIT).toMatchObject({ active: true });
    await expect.poll(() => memberNames('Back One'), WAIT).toEqual(['gs.back']);
    await expect.poll(() => memberNames('Back Two'), WAIT).toEqual(['gs.back']);
  });
});

describe('removing the integration (R1)', () => {
  it('deactivating identity management stops all syncing and leaves Slack as it is', async () => {
    const second = (await h.ok('POST', '/v1/connectors', { label: 'Second', teamName: 's', teamDomain: 'second.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
    const g = (await h.ok('POST', '/v1/groups', { name: 'Second users' })).id;
    await h.ok('PUT', `/v1/connectors/${second}/groups/${g}`, {});
    const id = (await h.ok('POST', '/v1/users', { username: 'gs.r1', email: 'gs.r1@example.com' })).id;
    await h.ok('PUT', `/v1/groups/${g}/members/${id}`);
    await expect.poll(() => memberNames('Second users'), WAIT).toEqual(['gs.r1']);

    await h.ok('POST', `/v1/connectors/${second}/idm/deactivate`);
    await h.ok('POST', `/v1/users/${id}/suspend`);
    await h.ok('DELETE', `/v1/groups/${g}`);
    // A change on the other, still active connector goes through: the pipeline is running…
    const witnessGroup = await group('R1 witness');
    await user('gs.r1witness', [witnessGroup]);
    await expect.poll(() => memberNames('R1 witness'), WAIT).toEqual(['gs.r1witness']);
    // …yet nothing reached Slack for the deactivated connector.
    expect(await slackUser('gs.r1')).toMatchObject({ active: true });
    expect(await memberNames('Second users')).toEqual(['gs.r1']);
    const events = (await h.call('GET', `/v1/events?connectorId=${second}&limit=100`)).body.items.map((e: any) => e.type);
    expect(events).toContain('idm_integration_delete');
    expect(events).not.toContain('user_deprovision');
  });
});
