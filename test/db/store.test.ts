import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryUserFields } from '../../core/directory';
import { type Database, openDatabase } from '../../db/client';
import { createConnector, getConnector, listConnectors, scimCredentials } from '../../db/connectors';
import { listEvents, recordEvent } from '../../db/events';
import { getLink, saveLink } from '../../db/links';
import { createUser, listUsers } from '../../db/users';
import { generateKey, parseKey } from '../../secrets/secrets';

// The database layer on embedded PGlite: migrations apply, and the queries behave.
let database: Database;
const key = parseKey(generateKey());
beforeAll(async () => {
  database = await openDatabase();
});
afterAll(() => database?.close());

describe('connectors', () => {
  it('encrypt the token, never show it, and default the SSO IdP URL from the label', async () => {
    const c = await createConnector(database.db, key, { label: 'Acme Slack!', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: 'http://slack.test/scim/v2', scimToken: 'xoxp-secret' });
    expect(c).toMatchObject({ idmStatus: 'active', hasScimToken: true, groupManagement: true, usersChooseDisplayName: false, plan: 'business_plus' });
    expect(c.ssoIdpUrl).toMatch(/\/saml2\/acme-slack$/);
    expect(JSON.stringify(await listConnectors(database.db))).not.toContain('xoxp-secret');
    const row = (await getConnector(database.db, c.id))!;
    expect(row.scimTokenEncrypted).not.toContain('xoxp');
    expect(scimCredentials(key, row)).toEqual({ baseUrl: 'http://slack.test/scim/v2', token: 'xoxp-secret' });
  });

  it('without a token stay inactive and yield no credentials', async () => {
    const c = await createConnector(database.db, key, { label: 'No IdM', teamName: 't', teamDomain: 't.slack.com' });
    expect(c.idmStatus).toBe('inactive');
    expect(scimCredentials(key, (await getConnector(database.db, c.id))!)).toBeUndefined();
  });
});

describe('users, links and events', () => {
  it('refuse a second user with the same username, whatever its case', async () => {
    await createUser(database.db, DirectoryUserFields.parse({ username: 'Dup', email: 'dup@example.com' }));
    await expect(createUser(database.db, DirectoryUserFields.parse({ username: 'dup', email: 'dup2@example.com' }))).rejects.toThrow();
  });

  it('page users by ID', async () => {
    for (const n of [1, 2, 3]) await createUser(database.db, DirectoryUserFields.parse({ username: `page${n}`, email: `page${n}@example.com` }));
    const first = await listUsers(database.db, { limit: 2 });
    const rest = await listUsers(database.db, { limit: 100, after: first.at(-1)!.id });
    expect(first).toHaveLength(2);
    expect(rest.map((u) => u.id)).not.toContain(first[0]!.id);
    expect(first[0]!.id < first[1]!.id).toBe(true);
  });

  it('keep the known Slack ID when a later attempt fails', async () => {
    const c = await createConnector(database.db, key, { label: 'L', teamName: 't', teamDomain: 't.slack.com' });
    const u = await createUser(database.db, DirectoryUserFields.parse({ username: 'linked', email: 'linked@example.com' }));
    await saveLink(database.db, { connectorId: c.id, userId: u.id, remoteId: 'U0000000001', state: 'active' });
    await saveLink(database.db, { connectorId: c.id, userId: u.id, state: 'failed', lastErrorCode: 'email_taken', lastError: 'x' });
    expect(await getLink(database.db, c.id, u.id)).toMatchObject({ remoteId: 'U0000000001', state: 'failed', lastErrorCode: 'email_taken' });
    await saveLink(database.db, { connectorId: c.id, userId: u.id, remoteId: 'U0000000001', state: 'active' });
    expect(await getLink(database.db, c.id, u.id)).toMatchObject({ state: 'active', lastErrorCode: null });
  });

  it('filter and page events newest first', async () => {
    for (const outcome of ['success', 'failure', 'success'] as const) {
      await recordEvent(database.db, { type: 'user_create_provision', objectType: 'user', objectId: 'usr_events', outcome, message: 'm' });
    }
    const all = await listEvents(database.db, { objectId: 'usr_events', limit: 10 });
    expect(all).toHaveLength(3);
    expect(all[0]!.id).toBeGreaterThan(all[1]!.id);
    expect(await listEvents(database.db, { objectId: 'usr_events', outcome: 'failure', limit: 10 })).toHaveLength(1);
    expect(await listEvents(database.db, { objectId: 'usr_events', before: all[0]!.id, limit: 1 })).toEqual([all[1]]);
    expect(await listEvents(database.db, { objectId: 'usr_events', since: new Date(Date.now() + 60_000), limit: 10 })).toHaveLength(0);
  });
});
