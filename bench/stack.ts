/**
 * The whole of Bindery on one machine for benchmarks: a fresh PostgreSQL database, a Temporal dev
 * server, the emulator, the admin API with its dispatcher in this process, and one worker process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { buildApi } from '../api/app';
import { startDispatcher } from '../dispatch/dispatcher';
import { openDatabase } from '../db/client';
import { pendingIntents } from '../db/outbox';
import type { LinkState } from '../core/links';
import { userLinks } from '../db/schema';
import { generateKey, parseKey } from '../secrets/secrets';
import { startEmulator } from '../emulator/server';
import { startDevServer } from '../worker/dev-server';
import { binderyDataConverter } from '../codec/codec';
import { temporalPid } from './cpu';
import { generateCodecKey, parseCodecKeys } from '../codec/keys';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://bindery:bindery@127.0.0.1:5432/bindery_test';
// BINDERY_BENCH_DB: another name, for benchmarks run side by side on one PostgreSQL (each drops and recreates its own).
const BENCH_DB = process.env.BINDERY_BENCH_DB ?? 'bindery_bench';

export type EmulatorStats = {
  totals: { total: number; byStatus: Record<string, number>; firstAt?: number; lastAt?: number };
  endpoints: Record<string, { total: number; byStatus: Record<string, number>; firstAt?: number; lastAt?: number }>;
};

/** Drops and recreates a benchmark's database on the test PostgreSQL server; returns its URL. */
export async function freshDatabase(name = BENCH_DB): Promise<string> {
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A process's resident set (VmRSS) or its peak (VmHWM), in MiB. */
function rssMiB(pid: number, field: 'VmRSS:' | 'VmHWM:'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field));
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
}

export type StackOptions = {
  workflowBundle?: string;
  /** A Temporal server of the caller's (bench/cluster.ts: the real one on PostgreSQL); else the stack starts a dev server. */
  temporal?: { address: string; namespace: string };
  /** Worker processes (default 1). */
  workers?: number;
  /**
   * The per-object path as it was before the bulk path (the baseline of side-by-side runs): the dispatcher's
   * bulk threshold at 0, so every user gets a workflow of their own, and the worker's workflow cache as it
   * was then, the SDK's default (sized from the heap: about 2,300 workflows here) instead of Bindery's 250.
   */
  perObject?: boolean;
  /** The benchmark's own database (default bindery_bench), so that benchmarks can run side by side. */
  databaseName?: string;
};

/** The Temporal SDK's default workflow cache for a worker with this process's heap limit (its formula, reuseV8Context on). */
function sdkDefaultWorkflowCache(): number {
  const heapMiB = getHeapStatistics().heap_size_limit / 2 ** 20;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}

export async function startStack(limits: { enabled: boolean; scale: number }, opts: StackOptions = {}) {
  const dbUrl = await freshDatabase(opts.databaseName);
  const database = await openDatabase({ url: dbUrl });
  const devServer = opts.temporal ? undefined : await startDevServer({ logLevel: 'error' });
  const temporal = opts.temporal ?? { address: devServer!.address, namespace: 'default' };
  const secretKeyText = generateKey();
  const token = 'xoxp-bench';
  const emulator = await startEmulator({ port: 0, token, rateLimits: limits });
  const codecKeys = generateCodecKey('bench'); // payloads encrypted as in production (the worker gets the same key)
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter: binderyDataConverter(parseCodecKeys(codecKeys)) });
  const taskQueue = 'bench';
  const dispatcher = startDispatcher({ db: database.db, temporal: client, taskQueue, pollMs: 100, bulkMinUsers: opts.perObject ? 0 : undefined });
  const api = buildApi({ db: database.db, secretKey: parseKey(secretKeyText), apiKey: 'bench', temporal: client, taskQueue, notify: dispatcher.notify });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;

  const spawnWorker = async (): Promise<ChildProcess> => {
    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        BINDERY_SECRET_KEY: secretKeyText,
        BINDERY_CODEC_KEYS: codecKeys,
        BINDERY_METRICS_PORT: '0',
        BINDERY_GOVERNOR: limits.enabled ? 'on' : 'off',
        BINDERY_GOVERNOR_SCALE: String(limits.scale),
        BINDERY_LOG_LEVEL: 'WARN',
        ...(opts.workflowBundle ? { BINDERY_WORKFLOW_BUNDLE: opts.workflowBundle } : {}),
        ...(opts.perObject ? { BINDERY_WORKFLOW_CACHE: String(sdkDefaultWorkflowCache()) } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => worker.stdout!.on('data', (d: Buffer) => d.toString().includes('worker polling') && resolve()));
    return worker;
  };
  const workers = await Promise.all(Array.from({ length: opts.workers ?? 1 }, spawnWorker));
  const worker = workers[0]!;
  // A benchmark that dies of an exception must not leave its worker and dev server running, taking
  // CPU from the next one: 'exit' handlers run synchronously, so kill them by PID.
  const devServerPid = devServer ? temporalPid(temporal.address) : undefined;
  const orphans = () => {
    for (const pid of [...workers.map((w) => w.pid), devServerPid]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', orphans);

  async function call<T = { id: string }>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: 'Bearer bench', ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await fetch(apiUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await fetch(`${emulator.origin}/_emulator${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as T;
  }
  /** Users of a connector whose link is in a state. */
  async function linksIn(connectorId: string, state: LinkState): Promise<number> {
    return (await database.db.select({ n: sql<number>`count(*)::int` }).from(userLinks).where(and(eq(userLinks.connectorId, connectorId), eq(userLinks.state, state))))[0]!.n;
  }
  /** Polls until `done` holds, printing progress every 10 s; returns the seconds it took. */
  async function until(label: string, progress: () => Promise<string>, done: () => Promise<boolean>): Promise<number> {
    const started = performance.now();
    let last = started;
    while (!(await done())) {
      await new Promise((r) => setTimeout(r, 200));
      if (performance.now() - last > 10_000) {
        last = performance.now();
        console.log(`  ${label}: ${await progress()} after ${((last - started) / 1000).toFixed(0)} s`);
      }
    }
    return (performance.now() - started) / 1000;
  }

  /** Polls until `done` holds (no progress lines). */
  async function waitFor(done: () => Promise<boolean>, timeoutMs = 120_000, intervalMs = 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  return {
    db: database.db,
    apiUrl,
    emulator,
    waitFor,
    controlPost: <T = unknown>(path: string, body: unknown) => control<T>('POST', path, body),
    /** The worker's resident set now and at its peak (VmRSS, VmHWM), in MiB. */
    workerRssMiB: () => ({ now: rssMiB(worker.pid!, 'VmRSS:'), peak: rssMiB(worker.pid!, 'VmHWM:') }),
    /** The Temporal frontend the stack uses (CPU accounting finds the dev server by its port). */
    temporalAddress: temporal.address,
    /** The worker processes' IDs (CPU accounting). */
    workerPids: () => workers.map((w) => w.pid!),
    token,
    call,
    stats: () => control<EmulatorStats>('GET', '/stats'),
    linksIn,
    until,
    pending: () => pendingIntents(database.db),
    async stop(): Promise<{ workerPeakRssMiB: number }> {
      process.off('exit', orphans);
      const rss = rssMiB(worker.pid!, 'VmHWM:');
      await Promise.all(workers.map(async (w) => {
        w.kill('SIGTERM');
        await once(w, 'exit');
      }));
      await dispatcher.stop();
      await api.close();
      await connection.close();
      await emulator.close();
      await devServer?.teardown();
      await database.close();
      return { workerPeakRssMiB: rss };
    },
  };
}
