import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncWorkflowId } from '../../core/sync-kinds';
import { type Harness, startHarness } from '../support/harness';
import { historyText } from '../support/history';

let h: Harness;
let connectorId: string;
let groupId: string;

beforeAll(async () => {
  h = await startHarness();
  const res = await h.call('POST', '/v1/connectors', { label: 'Acme Slack', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
  expect(res.status).toBe(201);
  connectorId = res.body.id;
  groupId = (await h.ok('POST', '/v1/groups', { name: 'Everyone' })).id;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {});
});
afterAll(() => h?.stop());

async function newUser(fields: Record<string, unknown>): Promise<string> {
  const res = await h.call('POST', '/v1/users', fields);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await h.ok('PUT', `/v1/groups/${groupId}/members/${res.body.id}`); // authorized through a bound group
  return res.body.id as string;
}

async function slackUsersNamed(userName: string): Promise<any[]> {
  const res = await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  return res.body.Resources as any[];
}

async function eventsFor(userId: string, type?: string): Promise<any[]> {
  const res = await h.call('GET', `/v1/events?userId=${userId}${type ? `&type=${type}` : ''}`);
  return res.body.items as any[];
}

async function sync(userId: string): Promise<string> {
  const res = await h.call('POST', `/v1/connectors/${connectorId}/users/${userId}/sync`);
  expect(res.status).toBe(202);
  expect(res.body.workflowId).toBe(syncWorkflowId('user', connectorId, userId));
  return res.body.workflowId as string;
}

describe('user-sync workflow, end to end (API → database → Temporal → emulator)', () => {
  it('activating the connector verified the token and left an event', async () => {
    const events = (await h.call('GET', `/v1/events?connectorId=${connectorId}&type=idm_integration_activate`)).body.items;
    expect(events).toHaveLength(1);
    expect(events[0].outcome).toBe('success');
  });

  it('refuses a connector whose token Slack rejects, with a failure event', async () => {
    const res = await h.call('POST', '/v1/connectors', { label: 'Bad token', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: 'xoxp-wrong' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('invalid_authentication');
    const failures = (await h.call('GET', '/v1/events?type=idm_integration_activate&outcome=failure')).body.items;
    expect(failures.some((e: any) => e.errorCode === 'invalid_authentication')).toBe(true);
  });

  it('creates a directory user in Slack with the mapped attributes and one success event', async () => {
    const userId = await newUser({ username: 'ada', email: 'Ada.Lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Analyst', department: 'Engineering', company: 'Acme' });
    const workflowId = await sync(userId);

    await expect.poll(() => slackUsersNamed('ada'), { timeout: 20_000 }).toHaveLength(1);
    const [slackUser] = await slackUsersNamed('ada');
    expect(slackUser.name.givenName).toBe('Ada');
    expect(slackUser.name.familyName).toBe('Lovelace');
    expect(slackUser.title).toBe('Analyst');
    expect(slackUser.active).toBe(true);
    expect(slackUser.emails.find((e: any) => e.primary).value.toLowerCase()).toBe('ada.lovelace@example.com');
    expect(slackUser['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toMatchObject({ department: 'Engineering', organization: 'Acme' });

    await expect.poll(() => eventsFor(userId, 'user_create_provision'), { timeout: 10_000 }).toHaveLength(1);
    const [event] = await eventsFor(userId, 'user_create_provision');
    expect(event).toMatchObject({ outcome: 'success', connectorId, workflowId });
    expect(event.runId).toBeTruthy();
  });

  it('coalesces repeated requests and never creates a second Slack user', async () => {
    const userId = await newUser({ username: 'grace', email: 'grace@example.com', firstName: 'Grace' });
    await Promise.all([sync(userId), sync(userId), sync(userId)]);
    await expect.poll(() => eventsFor(userId, 'user_create_provision'), { timeout: 20_000 }).toHaveLength(1);
    expect(await slackUsersNamed('grace')).toHaveLength(1);
  });

  it('adopts an existing Slack user with the same userName instead of creating a duplicate', async () => {
    const pre = await h.slack('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alan', emails: [{ value: 'alan@example.com', primary: true }] });
    expect(pre.status).toBe(201);
    const userId = await newUser({ username: 'alan', email: 'alan@example.com', firstName: 'Alan', lastName: 'Turing' });
    await sync(userId);

    await expect.poll(() => eventsFor(userId, 'user_lookup_provision'), { timeout: 20_000 }).toHaveLength(1);
    expect((await eventsFor(userId, 'user_lookup_provision'))[0].outcome).toBe('success');
    await expect.poll(async () => (await slackUsersNamed('alan'))[0]?.name?.familyName, { timeout: 10_000 }).toBe('Turing');
    const matches = await slackUsersNamed('alan');
    expect(matches).toHaveLength(1);
    expect(matches[0].id).toBe(pre.body.id);
    expect(await eventsFor(userId, 'user_create_provision')).toHaveLength(0);
  });

  it('adopts a match found by email when the userName differs', async () => {
    const pre = await h.slack('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'kgodel', emails: [{ value: 'kurt@example.com', primary: true }] });
    const userId = await newUser({ username: 'kurt', email: 'KURT@example.com' });
    await sync(userId);
    await expect.poll(() => eventsFor(userId, 'user_lookup_provision'), { timeout: 20_000 }).toHaveLength(1);
    expect(await eventsFor(userId, 'user_create_provision')).toHaveLength(0);
    expect((await h.slack('GET', `/Users/${pre.body.id}`)).status).toBe(200);
  });

  it("records Slack's refusal as a failure event with the reason, without retrying", async () => {
    await h.slackControl('POST', '/channels', { name: 'general' }); // usernames share the channel namespace
    // Joining the bound group is the one request (another, here, would be a second attempt with its own event).
    const userId = await newUser({ username: 'general', email: 'general@example.com' });
    await expect.poll(() => eventsFor(userId, 'user_create_provision'), { timeout: 20_000 }).toHaveLength(1);
    const [event] = await eventsFor(userId, 'user_create_provision');
    expect(event).toMatchObject({ outcome: 'failure', errorCode: 'username_taken' });
    expect(event.message).toMatch(/channel name/);
    expect((await h.slackControl('GET', '/stats')).body.endpoints['POST /Users'].byStatus['409']).toBe(1);
  });

  it('tags each workflow with search attributes an admin can filter on in the UI', async () => {
    const userId = await newUser({ username: 'searchable', email: 'searchable@example.com' });
    const workflowId = await sync(userId);
    const query = `BinderyConnectorId = '${connectorId}' AND BinderyUserId = '${userId}' AND BinderyOperation = 'user-sync'`;
    await expect
      .poll(async () => {
        const ids: string[] = [];
        for await (const wf of h.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids;
      }, { timeout: 20_000 })
      .toContain(workflowId);
  });

  it('keeps names, emails and tokens out of workflow history', async () => {
    const secretish = { username: 'hopper2', email: 'secret.person@example.com', firstName: 'Zebulon', lastName: 'Quixotic', displayName: 'ZQ' };
    const userId = await newUser(secretish);
    const workflowId = await sync(userId);
    await expect.poll(() => eventsFor(userId, 'user_create_provision'), { timeout: 20_000 }).toHaveLength(1);
    const text = await historyText(h.client, workflowId);
    expect(text).toContain(userId); // the scan reads decoded payloads
    for (const needle of [secretish.email, 'secret.person', secretish.firstName, secretish.lastName, h.slackToken, 'hopper2']) {
      expect(text.toLowerCase()).not.toContain(needle.toLowerCase());
    }
  });

  it('answers bad input with a clear problem+json error', async () => {
    const res = await h.call('POST', '/v1/users', { username: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/email/);
    const unauth = await fetch(`${h.apiUrl}/v1/users`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('content-type')).toContain('application/problem+json');
  });
});
