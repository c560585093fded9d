import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { conventionalPorts, databasesFromUrl, SERVICES } from '../../cluster/config';
import { applySchema, dropDatabases } from '../../cluster/databases';
import { findClusterTools } from '../../cluster/server';
import { SETTINGS } from '../../core/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

// `npm run cluster` as a person runs it: a real Temporal server on its own PostgreSQL databases (prepared
// once, as the setup step does), on TEMPORAL_ADDRESS's port; stopped with Ctrl-C and started again on the
// same databases, with the namespace and Bindery's search attributes still there.
const CLUSTER_MAIN = fileURLToPath(new URL('../../cluster/main.ts', import.meta.url));
const baseUrl = process.env.TEMPORAL_CLUSTER_DATABASE_URL ?? SETTINGS.temporalClusterDatabaseUrl.default!;
const dbName = `temporal_c${randomBytes(4).toString('hex')}`;
const databases = databasesFromUrl(baseUrl, dbName);
const tools = findClusterTools(process.env.TEMPORAL_SERVER_PATH);
let dataDir: string;
let port: number;

async function isFree(p: number): Promise<boolean> {
  const s = createServer();
  return new Promise((done) => {
    s.once('error', () => done(false));
    s.listen(p, '127.0.0.1', () => s.close(() => done(true)));
  });
}

/** A frontend port whose conventional companions (membership 300 below, HTTP 10 above) are free too. */
async function freeFrontendPort(): Promise<number> {
  for (;;) {
    const candidate = 21_000 + Math.floor(Math.random() * 11_000);
    const ports = conventionalPorts(candidate);
    const all = [...SERVICES.flatMap((s) => [ports[s].grpc, ports[s].membership]), ports.frontendHttp];
    if ((await Promise.all(all.map(isFree))).every(Boolean)) return candidate;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bindery-cluster-main-'));
  port = await freeFrontendPort();
  await applySchema(tools, databases, { create: true });
});
afterAll(async () => {
  await dropDatabases(tools, databases);
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm run cluster`; resolves with the process and its ready line. */
async function startMain(): Promise<{ child: ChildProcess; ready: string }> {
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  const child = spawn(process.execPath, ['--import', 'tsx', CLUSTER_MAIN], {
    env: { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_CLUSTER_DATABASE_URL: url.toString(), BINDERY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const line = output.split('\n').find((l) => l.includes('Ctrl-C stops it'));
      if (line) resolve(line);
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`npm run cluster exited (${code}) before it was ready: ${output}`)));
  });
  return { child, ready };
}

async function customSearchAttributes(): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    return (await connection.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {};
  } finally {
    await connection.close();
  }
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  return (await exited)[0] as number | null;
}

it('runs on its databases, and again after Ctrl-C with its namespace and search attributes kept', { timeout: 300_000 }, async () => {
  const first = await startMain();
  expect(first.ready).toContain(`at 127.0.0.1:${port}, namespace default`);
  expect(first.ready).toContain(`databases ${dbName}, ${dbName}_visibility`);
  expect(Object.keys(await customSearchAttributes())).toEqual(expect.arrayContaining(ALL_SEARCH_ATTRIBUTES.map((k) => k.name)));
  // Its configuration holds the database password: readable by its owner only.
  expect(statSync(join(dataDir, 'temporal-cluster', 'config', 'development.yaml')).mode & 0o777).toBe(0o600);
  expect(await interrupt(first.child)).toBe(0);
  expect(await isFree(port)).toBe(true); // the server went with it

  const second = await startMain();
  expect(Object.keys(await customSearchAttributes())).toEqual(expect.arrayContaining(ALL_SEARCH_ATTRIBUTES.map((k) => k.name)));
  expect(await interrupt(second.child)).toBe(0);
});
