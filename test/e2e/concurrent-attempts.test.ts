import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import type { UserSyncOutcome } from '../../activities/sync';
import { DirectoryUserFields } from '../../core/directory';
import { bindGroup } from '../../db/bindings';
import { createConnector } from '../../db/connectors';
import { addMember, createGroup } from '../../db/groups';
import { insightsEvents, userLinks } from '../../db/schema';
import { generateKey, parseKey } from '../../secrets/secrets';
import { createUser } from '../../db/users';
import { startEmulator } from '../../emulator/server';
import { openFreshDatabase } from '../support/database';

// Temporal retries an activity whose heartbeats it stopped hearing, while the first attempt may still be
// running (a loaded worker): two attempts for one user at once. Exactly one Slack user and one event.
let database: Awaited<ReturnType<typeof openFreshDatabase>>;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
const token = `xoxp-${randomBytes(6).toString('hex')}`;
const secretKey = parseKey(generateKey());

beforeAll(async () => {
  database = await openFreshDatabase(inject('databaseUrl'));
  emulator = await startEmulator({ port: 0, token, rateLimits: { enabled: false } });
});
afterAll(async () => {
  await emulator?.close();
  await database?.close();
});

it('two concurrent attempts create one Slack user and record one creation', async () => {
  const db = database.db;
  const connector = await createConnector(db, secretKey, { label: 'C', teamName: 'c', teamDomain: 'concurrent.slack.com', scimBaseUrl: emulator.baseUrl, scimToken: token });
  const group = await createGroup(db, 'Everyone');
  const user = await createUser(db, DirectoryUserFields.parse({ username: 'twice', email: 'twice@example.com' }));
  await addMember(db, group.id, user.id);
  await bindGroup(db, connector.id, group.id, null);

  // Slow creates, so both attempts look up (nothing yet) before either POST is answered.
  await fetch(`${emulator.origin}/_emulator/faults`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ errorRate: 0, status: 500, latencyMs: 400, methods: ['POST'] }),
  });
  const activities = createActivities({ db, secretKey });
  const ref = { connectorId: connector.id, userId: user.id };
  const attempt = (n: number) =>
    new MockActivityEnvironment({ attempt: n, workflowExecution: { workflowId: `user-sync/${ref.connectorId}/${ref.userId}`, runId: 'r' } }).run(activities.reconcileUser, ref);
  const results = (await Promise.all([attempt(1), attempt(2)])) as UserSyncOutcome[];

  expect(results.map((r) => r.result)).toEqual(['created', 'created']);
  expect(results[0]!.remoteId).toBe(results[1]!.remoteId);
  const slack = await (await fetch(`${emulator.baseUrl}/Users?filter=${encodeURIComponent('userName eq "twice"')}`, { headers: { authorization: `Bearer ${token}` } })).json();
  expect(slack.totalResults).toBe(1);
  const [link] = await db.select().from(userLinks).where(and(eq(userLinks.connectorId, connector.id), eq(userLinks.userId, user.id)));
  expect(link).toMatchObject({ state: 'active', remoteId: results[0]!.remoteId });
  const events = await db.select().from(insightsEvents).where(eq(insightsEvents.objectId, user.id));
  expect(events.map((e) => `${e.type} ${e.outcome}`)).toEqual(['user_create_provision success']);
});
