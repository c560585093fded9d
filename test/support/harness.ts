import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import { buildApi } from '../../client/api';
import { openDatabase, type Database } from '../../db/client';
import { generateKey, parseKey } from '../../db/secrets';
import { startEmulator } from '../../emulator/server';
import { createWorker } from '../../worker/worker';

export type Harness = Awaited<ReturnType<typeof startHarness>>;

let runtimeInstalled = false;

/**
 * Everything real for one test file: the shared Temporal dev server, PostgreSQL (or embedded PGlite),
 * the Slack emulator over HTTP, a worker on a task queue of the file's own, and the admin API.
 */
export async function startHarness(opts: { database?: 'postgres' | 'pglite' } = {}) {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const database: Database = opts.database === 'pglite' ? await openDatabase() : await openDatabase({ url: inject('databaseUrl') });
  const secretKey = parseKey(generateKey());
  const slackToken = `xoxp-test-${randomBytes(8).toString('hex')}`;
  const emulator = await startEmulator({ port: 0, token: slackToken, rateLimits: { enabled: false } });

  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    deps: { db: database.db, secretKey },
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const running = worker.run();

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const apiKey = randomBytes(16).toString('hex');
  const api = buildApi({ db: database.db, secretKey, apiKey, temporal: client, taskQueue });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;

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

  async function stop(): Promise<void> {
    worker.shutdown();
    await running;
    await api.close();
    await connection.close();
    await nativeConnection.close();
    await emulator.close();
    await database.close();
  }

  return { db: database.db, client, emulator, slackToken, taskQueue, apiUrl, apiKey, call, slack, stop };
}
