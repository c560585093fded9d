import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../db/client';
import { createGovernor } from '../../db/governor';
import { connectors, heldDeactivations, holds, syncIntents } from '../../db/schema';
import { startEmulator } from '../../emulator/server';
import { recordGovernorWait, recordScimAnswer, resultsOf } from '../../observability/metrics';
import { metricsText, type RunningMetricsServer, startMetricsServer } from '../../observability/server';
import { clientFor, profileFor } from '../../targets';
import { ScimError } from '../../targets/errors';
import { ScimUserPayload } from '../../core/scim-user';
import { parseMetrics, scrape, valueOf } from './prometheus';

// Bindery's metrics as Prometheus scrapes them: a real metrics server over HTTP, fed by the real rate
// governor (embedded PGlite), the real SCIM client against the emulator, and gauges read from the database.
let db: Database;
let server: RunningMetricsServer;

beforeAll(async () => {
  db = await openDatabase();
  server = await startMetricsServer({ host: '127.0.0.1', port: 0, db: db.db });
}, 60_000); // PGlite migrates on open
afterAll(async () => {
  await server?.close();
  await db?.close();
});

describe('GET /metrics', () => {
  it('serves the exposition format with the process metrics; other paths are 404', async () => {
    const res = await fetch(server.url);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await res.text());
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
  });
});

describe('rate governor waits', () => {
  it('counts each request that waited, and the seconds it waited', async () => {
    const perSecond = 10;
    const rule = { perMinute: perSecond * 60, burst: 1 };
    const governor = createGovernor(db.db, { limits: { org: { write: rule, read: rule }, endpoints: { 'POST Users': rule } }, safety: { rate: 1, burst: 1 }, jitterMs: 0, onWait: recordGovernorWait });
    const before = valueOf(await scrape(server.url), 'bindery_governor_waits_total', { method: 'POST', resource: 'Users' }) ?? 0;
    for (let i = 0; i < 3; i++) await governor.acquire('metrics-org', 'POST', 'Users');
    const samples = await scrape(server.url);
    expect(valueOf(samples, 'bindery_governor_waits_total', { method: 'POST', resource: 'Users' })).toBe(before + 2); // the first had the burst
    expect(valueOf(samples, 'bindery_governor_wait_seconds_total', { method: 'POST', resource: 'Users' })).toBeGreaterThan((2 / perSecond) * 0.7);
  });
});

describe('SCIM answers', () => {
  it('counts answers by method, resource and status, 429s on their own, and requests that got no answer', async () => {
    const token = 'xoxp-metrics';
    const emulator = await startEmulator({ port: 0, token, rateLimits: { enabled: false } });
    try {
      const client = clientFor(profileFor({ kind: 'slack', label: 'm', usersChooseDisplayName: false, plan: 'business_plus', deprovision: 'deactivate', remoteConfig: null, teamDomain: 'm.slack.com', scimBaseUrl: emulator.baseUrl }), { baseUrl: emulator.baseUrl, token }, { onAnswer: recordScimAnswer });
      const before = await scrape(server.url);
      const count = (samples: typeof before, labels: Record<string, string>, name = 'bindery_scim_responses_total') => valueOf(samples, name, labels) ?? 0;
      const newUser = (userName: string) => ScimUserPayload.parse({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, emails: [{ value: `${userName}@example.com`, primary: true }] });
      await client.createUser(newUser('metrics.one'));
      await fetch(`${emulator.origin}/_emulator/faults`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1, status: 429, methods: ['POST'] }) });
      const limited = await client.createUser(newUser('metrics.two')).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(ScimError);
      await client.getUser('U_NOT_THERE');
      const after = await scrape(server.url);
      expect(count(after, { method: 'POST', resource: 'Users', status: '201' }) - count(before, { method: 'POST', resource: 'Users', status: '201' })).toBe(1);
      expect(count(after, { method: 'POST', resource: 'Users', status: '429' }) - count(before, { method: 'POST', resource: 'Users', status: '429' })).toBe(1);
      expect(count(after, { resource: 'Users' }, 'bindery_scim_rate_limited_total') - count(before, { resource: 'Users' }, 'bindery_scim_rate_limited_total')).toBe(1);
      expect(count(after, { method: 'GET', resource: 'Users/:id', status: '404' }) - count(before, { method: 'GET', resource: 'Users/:id', status: '404' })).toBe(1);
      expect(count(after, { method: 'POST', resource: 'Users' }, 'bindery_scim_request_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    } finally {
      await emulator.close();
    }
    const closed = clientFor(profileFor({ kind: 'slack', label: 'm', usersChooseDisplayName: false, plan: 'business_plus', deprovision: 'deactivate', remoteConfig: null, teamDomain: 'm.slack.com', scimBaseUrl: emulator.baseUrl }), { baseUrl: emulator.baseUrl, token: 't' }, { onAnswer: recordScimAnswer });
    const before = valueOf(await scrape(server.url), 'bindery_scim_responses_total', { method: 'GET', resource: 'Users', status: 'network' }) ?? 0;
    await expect(closed.verify()).rejects.toBeInstanceOf(ScimError);
    expect(valueOf(await scrape(server.url), 'bindery_scim_responses_total', { method: 'GET', resource: 'Users', status: 'network' })).toBe(before + 1);
  });
});

describe('database gauges, read at scrape time', () => {
  it('report the outbox depth and its oldest intent’s age, and the held deactivations of open holds', async () => {
    const empty = await scrape(server.url);
    expect(valueOf(empty, 'bindery_outbox_depth')).toBe(0);
    expect(valueOf(empty, 'bindery_outbox_oldest_age_seconds')).toBe(0);
    expect(valueOf(empty, 'bindery_held_deactivations')).toBe(0);

    await db.db.insert(syncIntents).values([
      { kind: 'user', connectorId: 'con_m', objectId: 'usr_1', createdAt: new Date(Date.now() - 90_000) },
      { kind: 'user', connectorId: 'con_m', objectId: 'usr_2' },
    ]);
    await db.db.insert(connectors).values({ id: 'con_m', label: 'Metrics', ssoIdpUrl: 'https://idp.example/m' });
    await db.db.insert(holds).values([
      { id: 'hold_open', connectorId: 'con_m', reason: 'test' },
      { id: 'hold_done', connectorId: 'con_m', reason: 'test', status: 'approved' },
    ]);
    await db.db.insert(heldDeactivations).values([
      { connectorId: 'con_m', userId: 'usr_1', holdId: 'hold_open', reason: 'suspended' },
      { connectorId: 'con_m', userId: 'usr_2', holdId: 'hold_open', reason: 'suspended' },
      { connectorId: 'con_m', userId: 'usr_3', holdId: 'hold_done', reason: 'suspended' },
    ]);
    const samples = await scrape(server.url);
    expect(valueOf(samples, 'bindery_outbox_depth')).toBe(2);
    expect(valueOf(samples, 'bindery_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(89);
    expect(valueOf(samples, 'bindery_outbox_oldest_age_seconds')).toBeLessThan(120);
    expect(valueOf(samples, 'bindery_held_deactivations')).toBe(2);
    expect(valueOf(samples, 'bindery_open_holds')).toBe(1);
  });
});

describe('activity results and the Temporal SDK’s metrics', () => {
  it('reads one result, a batch’s counts, or counts a bare completion', () => {
    expect(resultsOf({ result: 'created', remoteId: 'U1' })).toEqual([['created', 1]]);
    expect(resultsOf({ counts: { created: 3, unchanged: 0, failed: 1 }, retry: [] })).toEqual([['created', 3], ['failed', 1]]);
    expect(resultsOf(undefined)).toEqual([['done', 1]]);
    expect(resultsOf('approved')).toEqual([['done', 1]]);
  });

  it('appends the SDK exporter’s text, and says so in a comment when it cannot be read', async () => {
    let sdk: Server | undefined;
    try {
      sdk = createServer((_req, res) => res.end('# HELP temporal_worker_start Worker starts\n# TYPE temporal_worker_start counter\ntemporal_worker_start{namespace="default"} 1\n'));
      await new Promise<void>((resolve) => sdk!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(sdk.address() as { port: number }).port}/metrics`;
      const { registry } = await import('../../observability/metrics');
      expect(valueOf(parseMetrics(await metricsText(registry, url)), 'temporal_worker_start', { namespace: 'default' })).toBe(1);
    } finally {
      await new Promise((resolve) => sdk?.close(resolve));
    }
    const { registry } = await import('../../observability/metrics');
    expect(await metricsText(registry, 'http://127.0.0.1:9/metrics')).toMatch(/\n# Temporal SDK metrics unavailable: .+\n$/);
  });
});
