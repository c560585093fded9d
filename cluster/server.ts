import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { findTool, temporalSchemaDir } from '../tools/tools';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { conventionalPorts, databasesFromUrl, dynamicConfig, PORT_COUNT, portsFromList, serverConfig, SERVICES, type Service } from './config';
import { applySchema, dropDatabases, type SchemaTools } from './databases';

/**
 * A real Temporal server on PostgreSQL as child processes: writes its configuration into a state folder,
 * prepares its databases, starts it, waits until its frontend answers (through the SDK's Connection),
 * creates the namespace and Bindery's search attributes, and stops it. `npm run cluster`, the topology
 * test and the cluster benchmark use it.
 */
export type ClusterOptions = {
  /** PostgreSQL URL of the server's role and history database (TEMPORAL_CLUSTER_DATABASE_URL). */
  databaseUrl: string;
  /** Databases of its own (`<name>_<random>` and its `_visibility`), created now and dropped at teardown. */
  freshDatabases?: boolean;
  /** Where the configuration and logs go; default a new temporary folder, removed at teardown. */
  stateDir?: string;
  /** The frontend's port, the others derived from it (7233 → Temporal's usual ones); default free ports. */
  frontendPort?: number;
  /** `one`: the four services in one process; `per-service`: one process each (production's topology). */
  processes?: 'one' | 'per-service';
  namespace?: string;
  serverPath?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readyTimeoutMs?: number;
};

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

const GRPC_ALREADY_EXISTS = 6;
const HEALTH_SERVING = 1;
const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';

/** The binaries and schema `npm run setup:cluster` installs (or TEMPORAL_SERVER_PATH for the server). */
export function findClusterTools(serverPath?: string): SchemaTools & { server: string } {
  const remedy = 'run `npm run setup:cluster` (it builds the Temporal server with go install)';
  const server = findTool('temporal-server', serverPath);
  if (!server) throw new Error(`no temporal-server found: ${remedy}, or set TEMPORAL_SERVER_PATH`);
  const sqlTool = findTool('temporal-sql-tool');
  if (!sqlTool) throw new Error(`no temporal-sql-tool found: ${remedy}`);
  const schemaDir = temporalSchemaDir();
  if (!existsSync(join(schemaDir, 'temporal', 'versioned'))) throw new Error(`no Temporal schema in ${schemaDir}: ${remedy}`);
  return { server, sqlTool, schemaDir };
}

/**
 * Ports free right now on 127.0.0.1 (held together while picked, so they differ). Below 32768: the server
 * stores membership ports as a PostgreSQL smallint, and the kernel's own picks (port 0) lie above it.
 */
export async function freePorts(n: number, range = { from: 20_000, to: 32_767 }): Promise<number[]> {
  const held: ReturnType<typeof createServer>[] = [];
  for (let tries = 0; held.length < n; tries++) {
    if (tries > 50 * n) throw new Error(`found only ${held.length} free ports of ${n} between ${range.from} and ${range.to}`);
    const s = createServer();
    const port = range.from + Math.floor(Math.random() * (range.to - range.from + 1));
    const free = await new Promise<boolean>((done) => {
      s.once('error', () => done(false));
      s.listen(port, '127.0.0.1', () => done(true));
    });
    if (free) held.push(s); // a port already held fails to listen again, so held ports differ
  }
  const ports = held.map((s) => (s.address() as { port: number }).port);
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A process's resident set in MiB (0 once it is gone). */
function rssMiB(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
  } catch {
    return 0;
  }
}

function tail(path: string, lines = 15): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n') : '';
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000); // it usually stops in 2–5 s
  await exited;
  clearTimeout(timer);
}

export async function startCluster(opts: ClusterOptions) {
  const tools = findClusterTools(opts.serverPath);
  const namespace = opts.namespace ?? 'default';
  const ownStateDir = opts.stateDir === undefined;
  const stateDir = ownStateDir ? mkdtempSync(join(tmpdir(), 'bindery-cluster-')) : resolve(opts.stateDir!);
  mkdirSync(join(stateDir, 'config'), { recursive: true, mode: 0o700 });
  mkdirSync(join(stateDir, 'logs'), { recursive: true, mode: 0o700 });

  const base = databasesFromUrl(opts.databaseUrl);
  const databases = opts.freshDatabases ? databasesFromUrl(opts.databaseUrl, `${base.main.database}_${randomBytes(4).toString('hex')}`) : base;
  try {
    await applySchema(tools, databases, { create: opts.freshDatabases ?? false });
  } catch (err) {
    if (opts.freshDatabases) await dropDatabases(tools, databases).catch(() => {}); // whichever were created
    throw err;
  }

  const ports = opts.frontendPort === undefined ? portsFromList(await freePorts(PORT_COUNT)) : conventionalPorts(opts.frontendPort);
  const dynamicConfigPath = join(stateDir, 'config', 'dynamic.yaml');
  // JSON is YAML; the files hold the database password, so only their owner may read them.
  writeFileSync(dynamicConfigPath, JSON.stringify(dynamicConfig(), null, 2), { mode: 0o600 });
  const config = serverConfig({ ports, databases, dynamicConfigPath, logLevel: opts.logLevel ?? 'warn' });
  writeFileSync(join(stateDir, 'config', 'development.yaml'), JSON.stringify(config, null, 2), { mode: 0o600 });

  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const children: ServerProcess[] = [];
  function spawnServer(services?: Service[]): ServerProcess {
    const name = services?.join('+') ?? 'server';
    const logPath = join(stateDir, 'logs', `${name}.log`);
    const log = openSync(logPath, 'a', 0o600);
    const args = ['--root', stateDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start', ...(services ?? []).flatMap((s) => ['--service', s])];
    // A minimal environment: the server reads TEMPORAL_* variables of its own, which are not for it here.
    const child = spawn(tools.server, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', log, log] });
    closeSync(log);
    const exit = once(child, 'exit').then(
      ([code, signal]: unknown[]) => ({ name, how: code === null ? `signal ${String(signal)}` : `code ${String(code)}`, logPath }),
      (err: Error) => ({ name, how: err.message, logPath }),
    );
    const p = { name, child, logPath, exit };
    children.push(p);
    return p;
  }

  let stopped: Promise<void> | undefined;
  /** Stops the server's processes, then drops fresh databases and removes a temporary state folder; once. */
  const teardown = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.all(children.map((c) => stopProcess(c.child)));
      if (opts.freshDatabases) await dropDatabases(tools, databases);
      if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
    })());

  const poll = poller({ address, deadline: Date.now() + (opts.readyTimeoutMs ?? 90_000), children });
  try {
    if (opts.processes === 'per-service') {
      // The first process to start writes the cluster's metadata; processes starting together race to.
      const [first, ...rest] = SERVICES;
      spawnServer([first]);
      await poll(`the ${first} service listening`, async () => ((await portOpen(ports[first].grpc)) ? true : undefined));
      for (const s of rest) spawnServer([s]);
    } else {
      spawnServer();
    }
    await prepare(poll, { address, namespace });
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }

  return {
    address,
    namespace,
    stateDir,
    databases: { main: databases.main.database, visibility: databases.visibility.database },
    logPaths: children.map((c) => c.logPath),
    pids: () => children.map((c) => c.child.pid!),
    /** The first of the server's processes to exit, and how. */
    exited: Promise.race(children.map((c) => c.exit)),
    /** Resident memory of the server's processes together, in MiB. */
    rssMiB: () => children.reduce((sum, c) => sum + rssMiB(c.child.pid), 0),
    teardown,
  };
}

type ServerProcess = { name: string; child: ChildProcess; logPath: string; exit: Promise<{ name: string; how: string; logPath: string }> };
type Poll = <T>(what: string, attempt: () => Promise<T | undefined>) => Promise<T>;

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Retries an attempt until it yields a value (errors and `undefined` mean "not yet"), failing at once when
 * a server process has exited (with the end of its log) and at the deadline (with the last error).
 */
function poller(p: { address: string; deadline: number; children: ServerProcess[] }): Poll {
  return async (what, attempt) => {
    let lastError = 'none';
    for (;;) {
      const dead = p.children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
      if (dead) throw new Error(`the Temporal server (${dead.name}) exited while starting (code ${dead.child.exitCode ?? dead.child.signalCode}); its log ${dead.logPath} ends:\n${tail(dead.logPath)}`);
      try {
        const result = await attempt();
        if (result !== undefined) return result;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > p.deadline) throw new Error(`the Temporal server at ${p.address}: ${what} did not happen in time (last error: ${lastError}); logs: ${p.children.map((c) => c.logPath).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
}

/**
 * Waits until the frontend serves, then creates the namespace and the search attributes (both idempotent:
 * a persistent database keeps them) and waits until a query on those attributes is accepted.
 */
async function prepare(poll: Poll, p: { address: string; namespace: string }): Promise<void> {
  const connection = await poll('its frontend serving', async () => {
    const c = await Connection.connect({ address: p.address, connectTimeout: '2s' });
    const health = await c.healthService.check({ service: WORKFLOW_SERVICE }).catch(async (err: unknown) => {
      await c.close();
      throw err;
    });
    if (health.status === HEALTH_SERVING) return c;
    await c.close();
    return undefined;
  });
  try {
    await poll(`namespace ${p.namespace} created`, async () => {
      try {
        await connection.workflowService.registerNamespace({ namespace: p.namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      } catch (err) {
        if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
      }
      return true;
    });
    const searchAttributes = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!]));
    await poll("Bindery's search attributes registered", async () => {
      await connection.operatorService.addSearchAttributes({ namespace: p.namespace, searchAttributes });
      return true;
    });
    // Namespaces and search attributes reach the services' caches within seconds: wait for the frontend's.
    const query = ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name} = 'ready'`).join(' AND ');
    await poll('search attributes usable in queries', async () => {
      await connection.workflowService.countWorkflowExecutions({ namespace: p.namespace, query });
      return true;
    });
  } finally {
    await connection.close();
  }
}
