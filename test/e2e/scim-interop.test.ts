import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness';
import { startScim2Server } from '../support/scim2-server';

// The generic SCIM 2.0 target (X3) against an independent server Bindery was never written against
// (scim2-server, python-scim): the whole lifecycle through the same workflows, API and CLI as Slack.
let h: Harness;
let scim: Awaited<ReturnType<typeof startScim2Server>>;
const token = `scim-${randomBytes(8).toString('hex')}`;
const WAIT = { timeout: 30_000, interval: 100 };
let connectorId: string;
let groupId: string;

/** The service provider's own answer, with its token. */
async function remote<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(scim.baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const remoteUser = async (userName: string) => (await remote('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources?.[0];
const remoteGroup = async (displayName: string) => (await remote('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`)).body.Resources?.[0];
const events = async (objectId: string, type?: string) => (await h.ok('GET', `/v1/events?connectorId=${connectorId}&userId=${objectId}${type ? `&type=${type}` : ''}`)).items as any[];

async function member(fields: Record<string, unknown>, group = groupId): Promise<string> {
  const id = (await h.ok('POST', '/v1/users', fields)).id as string;
  await h.ok('PUT', `/v1/groups/${group}/members/${id}`);
  return id;
}

beforeAll(async () => {
  scim = await startScim2Server(token);
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
  await scim?.stop();
});

describe('a generic SCIM 2.0 connector (scim2-server)', () => {
  it('is created with kind scim: the token is verified and the server’s capabilities discovered', async () => {
    const refused = await h.call('POST', '/v1/connectors', { kind: 'scim', label: 'HR SCIM', scimBaseUrl: scim.baseUrl, scimToken: 'wrong' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/did not accept the SCIM URL and token: http_401/);
    const created = await h.call('POST', '/v1/connectors', { kind: 'scim', label: 'HR SCIM', scimBaseUrl: scim.baseUrl, scimToken: token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'scim', idmStatus: 'active', teamName: null, remoteConfig: { patch: true, etag: true, groups: true, enterpriseUser: true, filter: { supported: true, maxResults: 1000 } } });
    expect(created.body.remoteConfig.userAttributes).toEqual(expect.arrayContaining(['username', 'emails', 'active', 'title']));
    expect(created.body.warnings ?? []).toEqual([]);
    connectorId = created.body.id;
    // Slack's settings do not apply.
    expect((await h.call('PATCH', `/v1/connectors/${connectorId}/idm`, { plan: 'enterprise_grid' })).status).toBe(400);
    groupId = (await h.ok('POST', '/v1/groups', { name: 'Interop' })).id;
    expect((await h.call('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`)).status).toBe(201);
  });

  it('creates an authorized user with the mapped attributes, and the group with its member', async () => {
    const id = await member({ username: 'ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada L', jobTitle: 'Analyst', department: 'Engineering', employeeIdentifier: 'E1' });
    await expect.poll(() => remoteUser('ada'), WAIT).toMatchObject({
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      displayName: 'Ada L',
      title: 'Analyst',
      emails: [expect.objectContaining({ value: 'ada@example.com' })],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': expect.objectContaining({ department: 'Engineering', employeeNumber: 'E1' }),
    });
    const ada = await remoteUser('ada');
    await expect.poll(() => remoteGroup('Interop'), WAIT).toMatchObject({ members: [expect.objectContaining({ value: ada.id })] });
    await expect.poll(() => events(id, 'user_create_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success', message: 'Created the user in HR SCIM.' })]);
    expect((await h.ok('GET', `/v1/connectors/${connectorId}/users`)).items).toEqual([expect.objectContaining({ userId: id, remoteId: ada.id, state: 'active' })]);
  });

  it('sends only what changed, deactivates with PATCH active=false (the user stays), and reactivates the same user', async () => {
    const id = await member({ username: 'alan', email: 'alan@example.com', jobTitle: 'Cryptanalyst' });
    await expect.poll(() => remoteUser('alan'), WAIT).toMatchObject({ title: 'Cryptanalyst' });
    const remoteId = (await remoteUser('alan')).id;
    await h.ok('PATCH', `/v1/users/${id}`, { jobTitle: 'Lead' });
    await expect.poll(() => remoteUser('alan'), WAIT).toMatchObject({ title: 'Lead' });
    await expect.poll(async () => (await events(id, 'user_update_provision')).map((e) => e.message), WAIT).toEqual(['Updated in HR SCIM: title.']);

    await h.ok('POST', `/v1/users/${id}/suspend`);
    await expect.poll(() => remoteUser('alan'), WAIT).toMatchObject({ id: remoteId, active: false });
    await h.ok('POST', `/v1/users/${id}/unsuspend`);
    await expect.poll(() => remoteUser('alan'), WAIT).toMatchObject({ id: remoteId, active: true });
    expect((await remote('GET', `/Users?filter=${encodeURIComponent('userName eq "alan"')}`)).body.totalResults).toBe(1);
  });

  it('adopts an existing user with the same userName instead of creating a duplicate', async () => {
    const existing = await remote('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'grace', emails: [{ value: 'grace@example.com', primary: true }], title: 'Old' });
    expect(existing.status).toBe(201);
    const id = await member({ username: 'grace', email: 'grace@example.com', jobTitle: 'Rear Admiral' });
    await expect.poll(() => remoteUser('grace'), WAIT).toMatchObject({ id: existing.body.id, title: 'Rear Admiral' });
    await expect.poll(() => events(id, 'user_lookup_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success', message: expect.stringMatching(/same username/) })]);
    expect((await remote('GET', `/Users?filter=${encodeURIComponent('userName eq "grace"')}`)).body.totalResults).toBe(1);
  });

  it('renames the group, and a member leaving it is removed there and deactivated', async () => {
    const id = await member({ username: 'leaver', email: 'leaver@example.com' });
    await expect.poll(() => remoteUser('leaver'), WAIT).toMatchObject({ active: true });
    const leaver = (await remoteUser('leaver')).id;
    await expect.poll(async () => (await remoteGroup('Interop'))?.members?.map((m: { value: string }) => m.value), WAIT).toContain(leaver);
    await h.ok('PATCH', `/v1/groups/${groupId}`, { name: 'Interop Team' });
    await h.ok('DELETE', `/v1/groups/${groupId}/members/${id}`);
    await expect.poll(() => remoteUser('leaver'), WAIT).toMatchObject({ active: false });
    await expect.poll(async () => (await remoteGroup('Interop Team'))?.members?.map((m: { value: string }) => m.value), WAIT).not.toContain(leaver);
    expect(await remoteGroup('Interop')).toBeUndefined();
  });

  it('unbinding a group deactivates its members unless another bound group authorizes them (cascade)', async () => {
    const other = (await h.ok('POST', '/v1/groups', { name: 'Interop Other' })).id as string;
    await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${other}`);
    const only = await member({ username: 'only.other', email: 'only.other@example.com' }, other);
    const both = await member({ username: 'in.both', email: 'in.both@example.com' }, other);
    await h.ok('PUT', `/v1/groups/${groupId}/members/${both}`);
    await expect.poll(async () => [(await remoteUser('only.other'))?.active, (await remoteUser('in.both'))?.active], WAIT).toEqual([true, true]);
    await h.ok('DELETE', `/v1/connectors/${connectorId}/groups/${other}`);
    await expect.poll(() => remoteUser('only.other'), WAIT).toMatchObject({ active: false });
    expect(await remoteUser('in.both')).toMatchObject({ active: true });
    await expect.poll(() => events(only, 'user_deprovision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success' })]);
  });

  it('deletes a group deleted in the directory, and deletes a deleted user where the connector says so', async () => {
    const g = (await h.ok('POST', '/v1/groups', { name: 'Interop Doomed' })).id as string;
    await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${g}`);
    const id = await member({ username: 'doomed', email: 'doomed@example.com' }, g);
    await expect.poll(() => remoteGroup('Interop Doomed'), WAIT).toBeDefined();
    await h.ok('DELETE', `/v1/groups/${g}`);
    await expect.poll(() => remoteGroup('Interop Doomed'), WAIT).toBeUndefined();
    await expect.poll(() => remoteUser('doomed'), WAIT).toMatchObject({ active: false });

    await h.ok('PATCH', `/v1/connectors/${connectorId}/idm`, { deprovision: 'delete' });
    const gone = await member({ username: 'gone', email: 'gone@example.com' });
    await expect.poll(() => remoteUser('gone'), WAIT).toMatchObject({ active: true });
    await h.ok('DELETE', `/v1/users/${gone}`);
    await expect.poll(() => remoteUser('gone'), WAIT).toBeUndefined();
    await expect.poll(() => events(gone, 'user_delete_provision'), WAIT).toEqual([expect.objectContaining({ outcome: 'success', message: expect.stringMatching(/^Deleted in HR SCIM/) })]);
    void id;
  });

  it('is created from the CLI with --kind scim', async () => {
    const cli = fileURLToPath(new URL('../../bin/bindery.mjs', import.meta.url));
    const run = (args: string[], input?: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, '--api-url', h.apiUrl, ...args], { env: { ...process.env, BINDERY_API_KEY: h.apiKey } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdin.end(input ?? '');
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
    const made = await run(['connector', 'create', '--kind', 'scim', '--label', 'CLI SCIM', '--scim-url', scim.baseUrl, '--token-stdin'], token);
    expect(made.stderr).toBe('');
    expect(made.stdout).toMatch(/^created SCIM connector con_\w+ \(identity management active\)/);
    const id = /con_\w+/.exec(made.stdout)![0];
    const shown = await run(['--json', 'connector', 'show', id]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ kind: 'scim', idmStatus: 'active', deprovision: 'deactivate' });
  });
});
