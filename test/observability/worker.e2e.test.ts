import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { syncWorkflowId } from '../../core/sync-kinds';
import { type Harness, startHarness } from '../support/harness';
import { type Sample, scrape, valueOf } from './prometheus';

// A worker process as in production (`npm run worker`): after a real sync through the API, the dev server
// and the emulator, its Prometheus endpoint has Bindery's series and the SDK's, and its JSON logs carry the
// workflow ID and no email, name or token.
const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));
const PERSON = { username: 'metrics.person', email: 'metrics.person@example.com', firstName: 'Zebulon', lastName: 'Quixotic', displayName: 'Zeb Q' };

let h: Harness;
let worker: ChildProcess;
let stdout = '';
let metricsUrl: string;
let ids: { connectorId: string; userId: string; workflowId: string };
let samples: Sample[];

const control = (path: string, body: unknown) =>
  fetch(`${h.emulator.origin}/_emulator${path}`, { method: 'POST', headers: { authorization: `Bearer ${h.slackToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  h = await startHarness({ worker: false });
  worker = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
    env: { ...process.env, DATABASE_URL: h.databaseUrl!, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: h.taskQueue, BINDERY_SECRET_KEY: h.secretKeyText, BINDERY_GOVERNOR: 'off', BINDERY_LOG_LEVEL: 'INFO', BINDERY_METRICS_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
  await vi.waitFor(() => expect(stdout).toContain('worker polling'), { timeout: 90_000, interval: 100 });
  metricsUrl = JSON.parse(stdout.split('\n').find((l) => l.includes('worker polling'))!).metrics;

  // A sync that meets a rate limit first: Slack answers POST /Users with 429 until the fault is lifted.
  const connectorId = (await h.ok('POST', '/v1/connectors', { label: 'Metrics', teamName: 'metrics', teamDomain: 'metrics.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  const groupId = (await h.ok('POST', '/v1/groups', { name: 'metrics' })).id;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {});
  await control('/faults', { errorRate: 1, status: 429, methods: ['POST'] });
  const userId = (await h.ok('POST', '/v1/users', PERSON)).id;
  await h.ok('PUT', `/v1/groups/${groupId}/members/${userId}`);
  ids = { connectorId, userId, workflowId: syncWorkflowId('user', connectorId, userId) };
  await vi.waitFor(async () => expect(valueOf(await scrape(metricsUrl), 'bindery_scim_rate_limited_total', { resource: 'Users' })).toBeGreaterThanOrEqual(1), { timeout: 30_000, interval: 200 });
  await control('/faults', { errorRate: 0 });
  await vi.waitFor(async () => expect((await h.call('GET', `/v1/events?userId=${userId}&type=user_create_provision&outcome=success`)).body.items).toHaveLength(1), { timeout: 60_000, interval: 200 });
  await vi.waitFor(async () => {
    samples = await scrape(metricsUrl);
    expect(valueOf(samples, 'bindery_sync_outcomes_total', { activity: 'reconcileUser', result: 'created' })).toBe(1);
  }, { timeout: 10_000, interval: 100 });
}, 180_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
  await h?.stop();
});

describe('the worker’s Prometheus endpoint after a real sync', () => {
  it('has the sync outcome, the SCIM answers by status, the 429 and the failed attempt it caused', () => {
    expect(valueOf(samples, 'bindery_sync_outcomes_total', { activity: 'reconcileUser', result: 'created' })).toBe(1);
    expect(valueOf(samples, 'bindery_scim_responses_total', { method: 'POST', resource: 'Users', status: '429' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'bindery_scim_responses_total', { method: 'POST', resource: 'Users', status: '201' })).toBe(1);
    expect(valueOf(samples, 'bindery_scim_responses_total', { method: 'GET', resource: 'Users', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'bindery_scim_rate_limited_total', { resource: 'Users' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'bindery_activity_failures_total', { activity: 'reconcileUser', failure: 'RateLimited' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'bindery_scim_request_duration_seconds_count', { method: 'POST', resource: 'Users' })).toBeGreaterThanOrEqual(2);
  });

  it('has the database gauges: the outbox drained (the created user queued its group, then that went too), no held deactivations', async () => {
    await vi.waitFor(async () => {
      const now = await scrape(metricsUrl);
      expect(valueOf(now, 'bindery_outbox_depth')).toBe(0);
      expect(valueOf(now, 'bindery_outbox_oldest_age_seconds')).toBe(0);
    }, { timeout: 20_000, interval: 200 });
    expect(valueOf(samples, 'bindery_held_deactivations')).toBe(0);
    expect(valueOf(samples, 'bindery_open_holds')).toBe(0);
  });

  it('has the Temporal SDK’s worker metrics for this task queue, and the process’s', () => {
    const sdk = samples.filter((s) => s.name.startsWith('temporal_'));
    expect(sdk.length).toBeGreaterThan(10);
    expect(sdk.some((s) => s.labels.task_queue === h.taskQueue)).toBe(true);
    expect(valueOf(samples, 'temporal_activity_execution_latency_count', { activity_type: 'reconcileUser' }) ?? valueOf(samples, 'temporal_activity_execution_latency_seconds_count', { activity_type: 'reconcileUser' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('labels nothing with an ID, a name or an email', () => {
    const labels = JSON.stringify(samples.map((s) => s.labels));
    for (const value of [ids.userId, ids.connectorId, PERSON.email, PERSON.username, PERSON.lastName]) expect(labels).not.toContain(value);
  });
});

describe('the worker’s logs of that sync', () => {
  const lines = () => stdout.split('\n').filter(Boolean);

  it('are JSON lines, and those about the sync carry its workflow ID (and activity ID)', async () => {
    // The SDK forwards its lines in batches (about every 100 ms): wait for the sync's to arrive.
    const ofWorkflow = () => lines().map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.workflowId === ids.workflowId);
    await vi.waitFor(() => expect(ofWorkflow().find((l) => l.msg === 'activity completed')).toMatchObject({ level: 'info', service: 'worker', activityType: 'reconcileUser', activityId: expect.any(String), results: { created: 1 } }), { timeout: 5_000, interval: 100 });
    // The rate-limited attempt, logged by the SDK as a warning with its failure's type.
    expect(ofWorkflow().find((l) => l.level === 'warn' && l.activityType === 'reconcileUser')).toMatchObject({ error: { failureType: 'RateLimited' } });
    // The workflow's own lines (the workflow logs what each pass did), which come after its activity's.
    await vi.waitFor(() => expect(ofWorkflow().some((l) => l.sdkComponent === 'workflow')).toBe(true), { timeout: 5_000, interval: 100 });
  });

  it('hold no email, name, username, token or key', () => {
    const text = stdout.toLowerCase();
    for (const secret of [PERSON.email, 'metrics.person', PERSON.firstName, PERSON.lastName, PERSON.displayName, h.slackToken, h.apiKey, h.secretKeyText]) {
      expect(text).not.toContain(secret.toLowerCase());
    }
    expect(text).not.toMatch(/xox[a-z]-|[\w.+-]+@[\w-]+\.[a-z]{2,}/);
  });
});
