import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import { buildApi } from '../../api/app';
import type { ApiDeps } from '../../api/context';
import { startDispatcher } from '../../dispatch/dispatcher';
import { requestSync } from '../../dispatch/temporal';
import type { UserSyncInput } from '../../workflows/user-sync';
import { openDatabase, type Database } from '../../db/client';
import { openFreshDatabase } from './database';
import { generateKey, parseKey } from '../../secrets/secrets';
import { startEmulator } from '../../emulator/server';
import { createWorker } from '../../worker/worker';
import { mailbox, startMailCatcher } from '../../mail/catcher';
import { createMailer } from '../../mail/mailer';
import { binderyDataConverter } from '../../codec/codec';
import { TEST_CODEC_KEYS, testCodecKeys } from './codec';

export type Harness = Awaited<ReturnType<typeof startHarness>>;

let runtimeInstalled = false;

/** The SDK's runtime with warnings only; call before anything Temporal in a file (the harness does). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/**
 * Everything real for one test file: the shared Temporal dev server, PostgreSQL (or embedded PGlite),
 * the Slack emulator over HTTP, a worker on a task queue of the file's own, and the admin API.
 */
export async function startHarness(opts: { database?: 'postgres' | 'pglite'; worker?: boolean; dispatcher?: boolean; temporalAddress?: string; mail?: boolean } = {}) {
  installQuietRuntime();
  // Payloads are encrypted end to end, as in production; worker processes a test spawns inherit the keys,
  // and a free metrics port each (several may run at once).
  process.env.BINDERY_CODEC_KEYS = TEST_CODEC_KEYS;
  process.env.BINDERY_METRICS_PORT ??= '0';
  const codecKeys = testCodecKeys();
  const address = opts.temporalAddress ?? inject('temporalAddress');
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const database: Database & { url?: string } = opts.database === 'pglite' ? await openDatabase() : await openFreshDatabase(inject('databaseUrl'));
  const secretKeyText = generateKey();
  const secretKey = parseKey(secretKeyText);
  const slackToken = `xoxp-test-${randomBytes(8).toString('hex')}`;
  const emulator = await startEmulator({ port: 0, token: slackToken, rateLimits: { enabled: false } });
  // A real SMTP catcher when the file reads mail (mailpit, installed by `npm run setup`).
  const catcher = opts.mail ? await startMailCatcher() : undefined;
  const mailer = catcher ? createMailer({ smtpUrl: catcher.smtpUrl, from: 'Bindery <bindery@test.example>' }) : undefined;
  const mail = catcher ? mailbox(catcher.apiUrl) : undefined;
  const adminEmail = 'admin@test.example';

  /** A worker in this process on the file's task queue (the crash and outage tests run their own). */
  async function startWorker(address_ = address) {
    const nativeConnection = await NativeConnection.connect({ address: address_ });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      codecKeys,
      deps: { db: database.db, secretKey, mail: mailer ? { mailer, adminEmail } : undefined, publicUrl: apiUrl },
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    const running = worker.run();
    return {
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await nativeConnection.close();
      },
    };
  }

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter: binderyDataConverter(codecKeys) });
  const dispatcher = startDispatcher({ db: database.db, temporal: client, taskQueue, pollMs: 200 });
  // `dispatcher: false` leaves the outbox undrained, so a file can assert its rows one by one.
  if (opts.dispatcher === false) await dispatcher.stop();
  const apiKey = randomBytes(16).toString('hex');
  const apiDeps: ApiDeps = { db: database.db, secretKey, apiKey, temporal: client, taskQueue, notify: dispatcher.notify, mailer };
  const api = buildApi(apiDeps);
  await api.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  // The API also serves the user portal and the SAML IdP: their links and URLs lead here. The worker starts
  // once this is known (the bind emails it sends link to the portal).
  apiDeps.publicUrl = apiUrl;
  const worker = opts.worker === false ? undefined : await startWorker();

  /** Calls the admin API like the CLI does; returns status and parsed body. */
  async function call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(apiUrl + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Calls the emulator's SCIM API with the right token. */
  async function slack<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(emulator.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${slackToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Like `call`, but fails the test unless the API answers 2xx; returns the body. */
  async function ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await call<T>(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** The emulator's test controls (`/_emulator/...`). */
  async function slackControl<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${emulator.origin}/_emulator${path}`, {
      method,
      headers: { authorization: `Bearer ${slackToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Starts (or signals) a user-sync workflow directly, e.g. with a test retry policy. */
  const startUserSync = ({ connectorId, userId, ...options }: UserSyncInput) => requestSync(client, taskQueue, { kind: 'user', connectorId, objectId: userId, options });

  async function stop(): Promise<void> {
    await dispatcher.stop();
    await worker?.stop();
    await api.close();
    await connection.close();
    await emulator.close();
    mailer?.close();
    await catcher?.stop();
    await database.close();
  }

  return { mail, adminEmail, db: database.db, databaseKind: database.kind, databaseUrl: database.url, secretKeyText, client, emulator, slackToken, taskQueue, apiUrl, apiKey, dispatcher, startWorker, call, ok, slack, slackControl, startUserSync, stop };
}
