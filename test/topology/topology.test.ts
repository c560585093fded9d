import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApi } from '../../api/app';
import { type Cluster, startCluster } from '../../cluster/server';
import { binderyDataConverter } from '../../codec/codec';
import { SETTINGS } from '../../core/config';
import { pendingIntents } from '../../db/outbox';
import { insightsEvents, userLinks } from '../../db/schema';
import { type Dispatcher, startDispatcher } from '../../dispatch/dispatcher';
import { type RunningEmulator, startEmulator } from '../../emulator/server';
import { writeWorkflowBundle } from '../../scripts/bundle';
import { generateKey, parseKey } from '../../secrets/secrets';
import { TEST_CODEC_KEYS, testCodecKeys } from '../support/codec';
import { openFreshDatabase } from '../support/database';
import { TEST_DATABASE_URL } from '../support/database-url';
import { auditHistories } from '../support/history-audit';

// The production topology on one machine: the admin API with its outbox dispatcher (this process), two
// worker processes, a real Temporal server on PostgreSQL (one process per service), the Slack emulator.
// Users are provisioned through the API; one worker is SIGKILLed mid-way; the other carries on alone.
const USERS = 300;
const KILL_AFTER = 75; // active users when the first worker is killed
const TASK_QUEUE = 'topology';
const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));

let cluster: Cluster;
let database: Awaited<ReturnType<typeof openFreshDatabase>>;
let emulator: RunningEmulator;
let client: Client;
let dispatcher: Dispatcher;
let api: ReturnType<typeof buildApi>;
let apiUrl: string;
let stateDir: string;
let bundlePath: string;
const secretKeyText = generateKey();
const slackToken = 'xoxp-topology';
const apiKey = 'topology-key';
const workers = new Set<ChildProcess>();

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'bindery-topology-'));
  let bundled: string;
  [cluster, bundled, database, emulator] = await Promise.all([
    startCluster({ databaseUrl: process.env.TEMPORAL_CLUSTER_DATABASE_URL ?? SETTINGS.temporalClusterDatabaseUrl.default!, freshDatabases: true, processes: 'per-service', serverPath: process.env.TEMPORAL_SERVER_PATH }),
    writeWorkflowBundle(join(stateDir, 'workflows.js')),
    openFreshDatabase(TEST_DATABASE_URL),
    startEmulator({ port: 0, token: slackToken, rateLimits: { enabled: false } }),
  ]);
  bundlePath = bundled;
  client = new Client({ connection: await Connection.connect({ address: cluster.address }), namespace: cluster.namespace, dataConverter: binderyDataConverter(testCodecKeys()) });
  dispatcher = startDispatcher({ db: database.db, temporal: client, taskQueue: TASK_QUEUE, pollMs: 100 });
  api = buildApi({ db: database.db, secretKey: parseKey(secretKeyText), apiKey, temporal: client, taskQueue: TASK_QUEUE, notify: dispatcher.notify });
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
}, 240_000);

afterAll(async () => {
  await Promise.all([...workers].map(stopWorker));
  await api?.close();
  await dispatcher?.stop();
  await client?.connection.close();
  await emulator?.close();
  await cluster?.teardown();
  await database?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** The admin API over HTTP, as the CLI calls it; fails on any error status. */
async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Who polls the task queue, as the server sees it (worker identities are `<pid>@<host>`). */
async function pollers(): Promise<string[]> {
  const identities = await Promise.all(
    [1, 2].map(async (taskQueueType) => {
      const d = await client.workflowService.describeTaskQueue({ namespace: cluster.namespace, taskQueue: { name: TASK_QUEUE }, taskQueueType });
      return new Set((d.pollers ?? []).map((p) => p.identity ?? ''));
    }),
  );
  return [...identities[0]!].filter((id) => identities[1]!.has(id)); // polling for both workflow and activity tasks
}

const identityOf = (worker: ChildProcess) => `${worker.pid}@${hostname()}`;

/** A worker process as deployed (`npm run worker`, the pre-built bundle); resolves once the server sees it poll. */
async function spawnWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      BINDERY_SECRET_KEY: secretKeyText,
      BINDERY_CODEC_KEYS: TEST_CODEC_KEYS,
      BINDERY_WORKFLOW_BUNDLE: bundlePath,
      BINDERY_DATA_DIR: stateDir,
      BINDERY_GOVERNOR: 'off',
      BINDERY_LOG_LEVEL: 'WARN',
      BINDERY_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  await expect
    .poll(async () => {
      if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}) before polling: ${output}`);
      return (await pollers()).includes(identityOf(child));
    }, { timeout: 90_000, interval: 200 })
    .toBe(true);
  void exited.then(() => workers.delete(child));
  return child;
}

async function stopWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = once(worker, 'exit');
  worker.kill('SIGTERM');
  await exited;
}

async function linksIn(connectorId: string, state: string): Promise<number> {
  return (await database.db.select({ n: sql<number>`count(*)::int` }).from(userLinks).where(and(eq(userLinks.connectorId, connectorId), sql`${userLinks.state} = ${state}`)))[0]!.n;
}

/** Every user the emulator holds (all pages). */
async function slackUsers(): Promise<any[]> {
  const users: any[] = [];
  for (let start = 1; ; start += 1000) {
    const res = await fetch(`${emulator.baseUrl}/Users?startIndex=${start}&count=1000`, { headers: { authorization: `Bearer ${slackToken}` } });
    const page = (await res.json()) as { Resources: any[]; totalResults: number };
    users.push(...page.Resources);
    if (users.length >= page.totalResults || page.Resources.length === 0) return users;
  }
}

it(`provisions ${USERS} users through the API with two workers on a real Temporal server, one SIGKILLed mid-way`, { timeout: 420_000 }, async () => {
  const started = performance.now();
  const [first, second] = await Promise.all([spawnWorker(), spawnWorker()]);
  const workersUp = performance.now();
  // Real Slack answers creates in a few hundred ms: with that latency, creates are in flight when the kill lands.
  await fetch(`${emulator.origin}/_emulator/faults`, { method: 'POST', headers: { authorization: `Bearer ${slackToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 250, methods: ['POST'] }) });

  const connector = await call('POST', '/v1/connectors', { label: 'Topology', teamName: 'topology', teamDomain: 'topology.slack.com', scimBaseUrl: emulator.baseUrl, scimToken: slackToken });
  const group = await call('POST', '/v1/groups', { name: 'Everyone' });
  await call('PUT', `/v1/connectors/${connector.id}/groups/${group.id}`, {});

  // Users arrive one by one, as an HR feed would send them, eight requests at a time.
  const userIds: string[] = [];
  let next = 0;
  const provisioning = Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < USERS; i = next++) {
        const user = await call('POST', '/v1/users', { username: `topo${i}`, email: `topo${i}@example.com`, firstName: 'Given', lastName: `Family ${i}` });
        userIds.push(user.id);
        await call('PUT', `/v1/groups/${group.id}/members/${user.id}`);
      }
    }),
  );

  await expect.poll(() => linksIn(connector.id, 'active'), { timeout: 180_000, interval: 50 }).toBeGreaterThanOrEqual(KILL_AFTER);
  first.kill('SIGKILL');
  await once(first, 'exit');
  const activeAtKill = await linksIn(connector.id, 'active');
  const createdAtKill = userIds.length;
  expect(activeAtKill).toBeLessThan(USERS); // the kill landed mid-provisioning
  await provisioning;
  const allRequested = performance.now();

  // Converged: every user active in Bindery, the outbox drained.
  await expect.poll(() => linksIn(connector.id, 'active'), { timeout: 240_000, interval: 250 }).toBe(USERS);
  await expect.poll(() => pendingIntents(database.db), { timeout: 60_000, interval: 250 }).toBe(0);
  const converged = performance.now();

  // No duplicate, no loss: exactly one active Slack account per user, the one each link points to.
  const links = await database.db.select({ userId: userLinks.userId, remoteId: userLinks.remoteId, state: userLinks.state }).from(userLinks).where(eq(userLinks.connectorId, connector.id));
  expect(links).toHaveLength(USERS);
  const slack = await slackUsers();
  expect(slack).toHaveLength(USERS);
  expect(new Set(slack.map((u) => u.userName)).size).toBe(USERS);
  for (const u of slack) expect(u.active, u.userName).toBe(true);
  expect(new Set(links.map((l) => l.remoteId))).toEqual(new Set(slack.map((u) => u.id)));
  expect(new Set(links.map((l) => l.userId))).toEqual(new Set(userIds));

  // Events: one success per user, a creation, and no failure (the odd ones listed with where they came from).
  const events = await database.db
    .select({ objectId: insightsEvents.objectId, type: insightsEvents.type, outcome: insightsEvents.outcome, workflowId: insightsEvents.workflowId, runId: insightsEvents.runId, at: insightsEvents.at })
    .from(insightsEvents)
    .where(and(eq(insightsEvents.connectorId, connector.id), inArray(insightsEvents.objectId, userIds)));
  const perUser = new Map<string, typeof events>();
  for (const e of events) perUser.set(e.objectId, [...(perUser.get(e.objectId) ?? []), e]);
  const odd = userIds
    .map((id) => ({ id, events: perUser.get(id) ?? [] }))
    .filter((u) => u.events.length !== 1 || u.events[0]!.type !== 'user_create_provision' || u.events[0]!.outcome !== 'success')
    .map((u) => `${u.id}: ${u.events.map((e) => `${e.type}/${e.outcome} by ${e.workflowId} ${e.runId} at ${e.at.toISOString()}`).join('; ') || 'no event'}`);
  expect(odd).toEqual([]);

  // The histories on the real server (its PostgreSQL visibility, queried by Bindery's search attribute):
  // both workers worked, and the killed one left work behind that the server handed to the other.
  const byIdentity = new Map<string, number>();
  let interrupted = 0;
  let workflows = 0;
  for await (const wf of client.workflow.list({ query: `BinderyConnectorId = '${connector.id}'` })) {
    workflows++;
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const identity = e.workflowTaskCompletedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity;
      if (identity) byIdentity.set(identity, (byIdentity.get(identity) ?? 0) + 1);
      if (e.workflowTaskTimedOutEventAttributes || e.activityTaskTimedOutEventAttributes || (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) interrupted++;
    }
  }
  expect(workflows).toBeGreaterThan(0);
  expect(byIdentity.get(identityOf(first)) ?? 0).toBeGreaterThan(0);
  expect(byIdentity.get(identityOf(second)) ?? 0).toBeGreaterThan(0);
  expect(interrupted).toBeGreaterThan(0);

  // And what the history audit proves on the dev server holds here too: encrypted payloads, IDs only.
  expect(await auditHistories(client)).toEqual([]);

  const s = (t: number) => ((t - started) / 1000).toFixed(1);
  console.log(
    `topology: ${USERS} users, 2 workers (one SIGKILLed at ${activeAtKill} active / ${createdAtKill} created), server on PostgreSQL in ${cluster.pids().length} processes; ` +
      `workers polling after ${s(workersUp)} s, all requested after ${s(allRequested)} s, converged after ${s(converged)} s; ` +
      `${workflows} workflows; tasks completed by the killed worker ${byIdentity.get(identityOf(first))}, by the other ${byIdentity.get(identityOf(second))}; ${interrupted} interrupted task(s) taken over`,
  );
});
