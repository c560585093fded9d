import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness';

// The same path as user-sync.test.ts, on embedded PGlite (what `npm start` uses without DATABASE_URL),
// so both database drivers stay honest.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ database: 'pglite' });
});
afterAll(() => h?.stop());

it('syncs a directory user into Slack on the embedded database', async () => {
  const connector = await h.call('POST', '/v1/connectors', { label: 'Embedded', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken });
  expect(connector.status).toBe(201);
  const user = await h.call('POST', '/v1/users', { username: 'embedded', email: 'embedded@example.com', lastName: 'Lite' });
  const group = await h.ok('POST', '/v1/groups', { name: 'Embedded' });
  await h.ok('PUT', `/v1/groups/${group.id}/members/${user.body.id}`);
  await h.ok('PUT', `/v1/connectors/${connector.body.id}/groups/${group.id}`, {});
  expect((await h.call('POST', `/v1/connectors/${connector.body.id}/users/${user.body.id}/sync`)).status).toBe(202);

  await expect.poll(async () => (await h.call('GET', `/v1/events?userId=${user.body.id}&type=user_create_provision`)).body.items.length, { timeout: 20_000 }).toBe(1);
  const found = await h.slack('GET', `/Users?filter=${encodeURIComponent('userName eq "embedded"')}`);
  expect(found.body.Resources).toHaveLength(1);
  expect(found.body.Resources[0].name.familyName).toBe('Lite');
});
