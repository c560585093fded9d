import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryUsers } from '../../db/schema';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Harness, startHarness } from '../support/harness';

// The scheduled full resync (S1–S4) end to end: the schedule firing, drift corrected scenario by scenario,
// accounts unknown to the directory reported and left alone, a plan and its application, and the breaker.
let h: Harness;
let c: string;
let g: string;
const WAIT = { timeout: 60_000, interval: 200 };

const slackUser = async (userName: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0];
const slackGroup = async (name: string) => (await h.slack('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources[0];
const runs = async (connectorId = c) => (await h.ok('GET', `/v1/connectors/${connectorId}/runs`)).items as Array<{ id: string; mode: string; status: string; counts: any }>;
const writes = async () => {
  const stats = (await h.slackControl('GET', '/stats')).body.endpoints as Record<string, { total: number }>;
  return Object.entries(stats).filter(([k]) => !k.startsWith('GET')).reduce((n, [, v]) => n + v.total, 0);
};

/** Runs a resync now through the schedule and waits for it to finish; returns the run with its items. */
async function resyncNow(connectorId = c): Promise<any> {
  const before = (await runs(connectorId)).filter((r) => r.mode === 'resync').length;
  expect((await h.call('POST', `/v1/connectors/${connectorId}/resync/run`)).status).toBe(204);
  await expect.poll(async () => (await runs(connectorId)).filter((r) => r.mode === 'resync' && r.status !== 'running').length, WAIT).toBe(before + 1);
  const run = (await runs(connectorId)).find((r) => r.mode === 'resync')!;
  return h.ok('GET', `/v1/runs/${run.id}?limit=500`);
}

async function member(username: string, fields: Record<string, unknown> = {}, group = g): Promise<string> {
  const id = (await h.ok('POST', '/v1/users', { username, email: `${username}@example.com`, ...fields })).id as string;
  await h.ok('PUT', `/v1/groups/${group}/members/${id}`);
  return id;
}

beforeAll(async () => {
  h = await startHarness({ mail: true });
  c = (await h.ok('POST', '/v1/connectors', { label: 'Resync', teamName: 'resync', teamDomain: 'resync.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  g = (await h.ok('POST', '/v1/groups', { name: 'Resync Team' })).id;
  await h.ok('PUT', `/v1/connectors/${c}/groups/${g}`);
  for (const name of ['rs.title', 'rs.reactivate', 'rs.suspended', 'rs.member']) await member(name, { jobTitle: 'Engineer' });
  for (const deadline = Date.now() + WAIT.timeout; ((await slackGroup('Resync Team'))?.members?.length ?? 0) < 4; ) {
    if (Date.now() > deadline) throw new Error('the group never reached Slack');
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(() => h?.stop());

describe('the schedule (S1)', () => {
  it('exists once identity management is active: hourly, with its next runs; it can be changed, paused and unpaused', async () => {
    await expect.poll(async () => (await h.call('GET', `/v1/connectors/${c}/resync`)).status, WAIT).toBe(200);
    const schedule = await h.ok('GET', `/v1/connectors/${c}/resync`);
    expect(schedule).toMatchObject({ scheduleId: `resync/${c}`, paused: false, spec: { every: '1h' } });
    expect(schedule.nextRuns.length).toBeGreaterThan(0);
    const cron = await h.ok('PATCH', `/v1/connectors/${c}/resync`, { cron: '15 3 * * *', timezone: 'Europe/London', paused: true });
    expect(cron).toMatchObject({ paused: true, spec: { cron: '15 3 * * *', timezone: 'Europe/London' } });
    expect((await h.call('PATCH', `/v1/connectors/${c}/resync`, { every: '1h', cron: '* * * * *' })).status).toBe(400);
    expect(await h.ok('PATCH', `/v1/connectors/${c}/resync`, { every: '1h', paused: false })).toMatchObject({ paused: false, spec: { every: '1h' } });
  });

  it('fires by itself, and a run finding nothing to change sends no write', async () => {
    const writesBefore = await writes();
    await h.ok('PATCH', `/v1/connectors/${c}/resync`, { every: '2s' });
    await expect.poll(async () => (await runs()).filter((r) => r.mode === 'resync' && r.status === 'completed').length, WAIT).toBeGreaterThan(0);
    await h.ok('PATCH', `/v1/connectors/${c}/resync`, { every: '1h' });
    const run = (await runs()).find((r) => r.mode === 'resync' && r.status === 'completed')!;
    expect(run.counts).toMatchObject({ read: { users: 4, groups: 1 }, planned: { unchanged: 4, group_unchanged: 1 }, applied: {}, unknown: 0, held: 0 });
    expect(await writes()).toBe(writesBefore);
    const schedule = await h.ok('GET', `/v1/connectors/${c}/resync`);
    expect(schedule.recentRuns).toEqual(expect.arrayContaining([expect.objectContaining({ runId: run.id, status: 'completed' })]));
  });

  it('goes with identity management', async () => {
    const other = (await h.ok('POST', '/v1/connectors', { label: 'Gone', teamName: 'gone', teamDomain: 'gone.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
    await expect.poll(async () => (await h.call('GET', `/v1/connectors/${other}/resync`)).status, WAIT).toBe(200);
    await h.ok('POST', `/v1/connectors/${other}/idm/deactivate`);
    await expect.poll(async () => (await h.call('GET', `/v1/connectors/${other}/resync`)).status, WAIT).toBe(404);
  });
});

describe('drift corrected (S2)', () => {
  it('an attribute edited in Slack is put back', async () => {
    const u = await slackUser('rs.title');
    await h.slack('PATCH', `/Users/${u.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'Edited in Slack' }] });
    const run = await resyncNow();
    expect(await slackUser('rs.title')).toMatchObject({ title: 'Engineer' });
    expect(run.items).toEqual(expect.arrayContaining([expect.objectContaining({ objectType: 'user', op: 'updated', outcome: 'applied', requests: [{ method: 'PATCH', path: `/Users/${u.id}`, attributes: ['title'] }] })]));
    expect(run.counts.applied).toEqual({ updated: 1 });
  });

  it('a user deactivated in Slack behind Bindery’s back is reactivated; one reactivated there while suspended is deactivated again', async () => {
    const r = await slackUser('rs.reactivate');
    await h.slack('DELETE', `/Users/${r.id}`);
    const suspendedId = (await h.ok('GET', '/v1/users?limit=500')).items.find((x: { username: string }) => x.username === 'rs.suspended').id;
    await h.ok('POST', `/v1/users/${suspendedId}/suspend`);
    await expect.poll(async () => (await slackUser('rs.suspended'))?.active, WAIT).toBe(false);
    const s = await slackUser('rs.suspended');
    await h.slack('PATCH', `/Users/${s.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'active', value: true }] });
    const run = await resyncNow();
    expect(await slackUser('rs.reactivate')).toMatchObject({ id: r.id, active: true });
    expect(await slackUser('rs.suspended')).toMatchObject({ id: s.id, active: false });
    expect(run.counts.applied).toMatchObject({ reactivated: 1, deactivated: 1 });
    // The reactivated user is back in the group (the group pass after them, queued by their sync).
    await expect.poll(async () => (await slackGroup('Resync Team')).members.map((m: { value: string }) => m.value), WAIT).toContain(r.id);
  });

  it('group members added or removed in Slack are put right', async () => {
    const m = await slackUser('rs.member');
    const stranger = await h.slack('POST', '/Users', { schemas: [SCHEMAS.user], userName: 'rs.stranger', emails: [{ value: 'stranger@example.com', primary: true }] });
    const group = await slackGroup('Resync Team');
    await h.slack('PATCH', `/Groups/${group.id}`, {
      schemas: [SCHEMAS.patchOp],
      Operations: [
        { op: 'remove', path: `members[value eq "${m.id}"]` },
        { op: 'add', path: 'members', value: [{ value: stranger.body.id }] },
      ],
    });
    const run = await resyncNow();
    const members = (await slackGroup('Resync Team')).members.map((x: { value: string }) => x.value);
    expect(members).toContain(m.id);
    expect(members).not.toContain(stranger.body.id);
    expect(run.counts.applied).toMatchObject({ group_updated: 1 });
    // The stranger is reported, never touched.
    expect(run.counts.unknown).toBe(1);
    expect(run.items).toEqual(expect.arrayContaining([expect.objectContaining({ objectType: 'remote_user', objectId: stranger.body.id, op: 'unknown', outcome: 'reported' })]));
    expect(await slackUser('rs.stranger')).toMatchObject({ active: true });
  });

  it('linked users and the group that no longer exist in Slack are recreated', async () => {
    await h.slackControl('POST', '/reset');
    await h.slackControl('POST', '/plan', { plan: 'business_plus' });
    const run = await resyncNow();
    expect(run.counts.applied).toMatchObject({ created: 3 });
    for (const name of ['rs.title', 'rs.reactivate', 'rs.member']) expect(await slackUser(name), name).toMatchObject({ active: true });
    expect(await slackUser('rs.suspended')).toBeUndefined(); // suspended: nothing to recreate
    await expect.poll(async () => (await slackGroup('Resync Team'))?.members?.length ?? 0, WAIT).toBe(3);
  });
});

describe('plan, then apply (S3)', () => {
  it('shows the exact requests without sending any, applies them as planned, and refuses a plan the world has moved on from', async () => {
    const u = await slackUser('rs.title');
    await h.slack('PATCH', `/Users/${u.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'Drifted' }] });
    const writesBefore = await writes();
    const planned = await h.ok('POST', `/v1/connectors/${c}/plan`);
    expect(planned.status).toBe('completed');
    const plan = await h.ok('GET', `/v1/runs/${planned.planId}`);
    expect(plan).toMatchObject({ mode: 'plan', status: 'completed', counts: { planned: { updated: 1 } } });
    expect(plan.items).toEqual([expect.objectContaining({ op: 'updated', outcome: 'planned', requests: [{ method: 'PATCH', path: `/Users/${u.id}`, attributes: ['title'] }] })]);
    expect(await writes()).toBe(writesBefore);
    expect(await slackUser('rs.title')).toMatchObject({ title: 'Drifted' });

    const applied = await h.ok('POST', `/v1/plans/${planned.planId}/apply`);
    expect(applied.status).toBe('completed');
    expect(await slackUser('rs.title')).toMatchObject({ title: 'Engineer' });

    // A plan made before a change in the target is refused.
    await h.slack('PATCH', `/Users/${u.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'Again' }] });
    const stalePlan = (await h.ok('POST', `/v1/connectors/${c}/plan`)).planId;
    await h.slack('PATCH', `/Users/${u.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 'And again' }] });
    const refused = await h.call('POST', `/v1/plans/${stalePlan}/apply`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/changed since it was made.*Plan again: POST \/v1\/connectors\//);
    expect(await slackUser('rs.title')).toMatchObject({ title: 'And again' });
    expect((await h.ok('GET', `/v1/runs/${stalePlan}`)).status).toBe('stale');
  });
});

describe('the circuit breaker on a resync (S4)', () => {
  it('holds the deactivations beyond the threshold that a resync would make, and emails the admin', async () => {
    const c2 = (await h.ok('POST', '/v1/connectors', { label: 'Mass', teamName: 'mass', teamDomain: 'mass.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
    await h.ok('PATCH', `/v1/connectors/${c2}/idm`, { breakerPercent: 10, breakerMinUsers: 3 });
    const g2 = (await h.ok('POST', '/v1/groups', { name: 'Mass' })).id;
    await h.ok('PUT', `/v1/connectors/${c2}/groups/${g2}`);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await member(`mass.${i}`, {}, g2));
    await expect.poll(async () => (await h.ok('GET', `/v1/connectors/${c2}/users?state=active`)).items.length, WAIT).toBe(8);
    // A mistake that skipped the outbox (a bulk load straight into the database): half the users suspended.
    for (const id of ids.slice(0, 5)) await h.db.update(directoryUsers).set({ suspended: true }).where(eq(directoryUsers.id, id));

    const plan = await h.ok('GET', `/v1/runs/${(await h.ok('POST', `/v1/connectors/${c2}/plan`)).planId}`);
    expect(plan.counts).toMatchObject({ planned: { deactivated: 5 }, held: 3 });
    const run = await resyncNow(c2);
    expect(run.counts).toMatchObject({ applied: { deactivated: 2, held: 3 }, held: 3 });
    expect((await h.ok('GET', `/v1/connectors/${c2}/held`)).items[0]).toMatchObject({ status: 'open', users: expect.any(Array) });
    const mail = await h.mail!.waitFor((m) => /held 3 deactivations/.test(m.subject), 30_000);
    expect(mail.text).toContain('3 of 8 linked users');
  });
});
