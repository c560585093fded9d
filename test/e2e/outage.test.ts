import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../tools/ports';
import { pendingIntents } from '../../db/outbox';
import { startDevServer } from '../../worker/dev-server';
import { type Harness, installQuietRuntime, startHarness } from '../support/harness';

// Nothing lost (D4): with the Temporal server down, directory changes still commit (with their intents in
// the outbox); once it is back, Slack converges without any resync or repeated request.
let temporal: TestWorkflowEnvironment | undefined;
let h: Harness;
const dbFilename = join(mkdtempSync(join(tmpdir(), 'bindery-outage-')), 'temporal.db');
const WAIT = { timeout: 30_000, interval: 100 };

let port: number;
beforeAll(async () => {
  port = await freePort();
  installQuietRuntime();
  temporal = await startDevServer({ port, dbFilename, cliPath: process.env.TEMPORAL_CLI_PATH, logLevel: 'never' });
  h = await startHarness({ temporalAddress: `127.0.0.1:${port}`, worker: false });
});
afterAll(async () => {
  await h?.stop();
  await temporal?.teardown();
});

it('delivers changes made while Temporal was down once it is back', async () => {
  let worker = await h.startWorker();
  const connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Outage', teamName: 'o', teamDomain: 'outage.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  const groupId = (await h.ok('POST', '/v1/groups', { name: 'outage' })).id;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {});
  const before = (await h.ok('POST', '/v1/users', { username: 'out.before', email: 'out.before@example.com', jobTitle: 'Old' })).id;
  await h.ok('PUT', `/v1/groups/${groupId}/members/${before}`);
  const slackUser = async (u: string) => (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${u}"`)}`)).body.Resources[0];
  await expect.poll(() => slackUser('out.before'), WAIT).toMatchObject({ title: 'Old' });

  // Temporal goes down (and the worker with it).
  await worker.stop();
  await temporal!.teardown();
  temporal = undefined;

  const during = (await h.ok('POST', '/v1/users', { username: 'out.during', email: 'out.during@example.com' })).id;
  await h.ok('PUT', `/v1/groups/${groupId}/members/${during}`);
  await h.ok('PATCH', `/v1/users/${before}`, { jobTitle: 'New' });
  h.dispatcher.notify();
  await expect.poll(async () => (await h.call('GET', '/v1/events?type=user_create_provision')).status).toBe(200); // the API still serves
  expect(await pendingIntents(h.db)).toBeGreaterThan(0); // kept, not lost

  // Temporal is back, on the same address and history; a worker too.
  temporal = await startDevServer({ port, dbFilename, cliPath: process.env.TEMPORAL_CLI_PATH, logLevel: 'never' });
  worker = await h.startWorker();
  try {
    await expect.poll(() => slackUser('out.during'), WAIT).toMatchObject({ active: true });
    await expect.poll(() => slackUser('out.before'), WAIT).toMatchObject({ title: 'New' });
    await expect.poll(() => pendingIntents(h.db), WAIT).toBe(0);
  } finally {
    await worker.stop();
  }
});
