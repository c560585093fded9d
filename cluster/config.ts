/**
 * What a real Temporal server (go.temporal.io/server, the binary setup installs as `temporal-server`) is
 * told: its static configuration and its dynamic configuration, as plain data. Both files are written as
 * JSON, which is YAML too (the server reads YAML). Pure: cluster/server.ts writes them and starts the server.
 */

/** The four services of a Temporal server; `npm run cluster` runs them in one process, or one process each. */
export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type Service = (typeof SERVICES)[number];

export type ServicePorts = { grpc: number; membership: number };
export type ClusterPorts = { frontendHttp: number } & Record<Service, ServicePorts>;

/** A PostgreSQL database the server keeps its state in (plugin postgres12, PostgreSQL 12 or later). */
export type DatabaseAddress = { host: string; port: number; user: string; password: string; database: string };

export type ClusterConfigOptions = {
  ports: ClusterPorts;
  /** The history database and the visibility database (workflow lists and search attributes). */
  databases: { main: DatabaseAddress; visibility: DatabaseAddress };
  /** Path of the dynamic configuration file (absolute: the server resolves it from its own directory). */
  dynamicConfigPath: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Fixed for the life of the database: shards spread history over its rows; a few suffice on one machine. */
  historyShards?: number;
};

/**
 * Temporal's conventional ports derived from the frontend's (7233 → history 7234, matching 7235, worker
 * 7239, membership 300 below each, HTTP API 7243), so that `npm run cluster` matches TEMPORAL_ADDRESS's
 * port and the documented defaults.
 */
export function conventionalPorts(frontend: number): ClusterPorts {
  const offsets: Record<Service, number> = { frontend: 0, history: 1, matching: 2, worker: 6 };
  const ports = Object.fromEntries(SERVICES.map((s) => [s, { grpc: frontend + offsets[s], membership: frontend + offsets[s] - 300 }])) as Record<Service, ServicePorts>;
  const all = [...SERVICES.flatMap((s) => [ports[s].grpc, ports[s].membership]), frontend + 10];
  if (all.some((p) => p < 1 || p > 65535)) throw new Error(`frontend port ${frontend} leaves no room for the other services' ports (${frontend - 300}–${frontend + 10}): choose one between 301 and 65525`);
  return { ...ports, frontendHttp: frontend + 10 };
}

/** The ports as one list, in the order `portsFromList` reads them (for ports picked at random). */
export const PORT_COUNT = SERVICES.length * 2 + 1;
export function portsFromList(list: number[]): ClusterPorts {
  if (list.length !== PORT_COUNT) throw new Error(`expected ${PORT_COUNT} ports, got ${list.length}`);
  const ports = Object.fromEntries(SERVICES.map((s, i) => [s, { grpc: list[2 * i]!, membership: list[2 * i + 1]! }])) as Record<Service, ServicePorts>;
  return { ...ports, frontendHttp: list[PORT_COUNT - 1]! };
}

function sqlStore(db: DatabaseAddress, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: db.database,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/** The server's static configuration (what `--config <dir> --env <env>` reads as `<dir>/<env>.yaml`). */
export function serverConfig(opts: ClusterConfigOptions) {
  const { ports } = opts;
  const frontendAddress = `127.0.0.1:${ports.frontend.grpc}`;
  const disabled = { state: 'disabled' };
  return {
    log: { stdout: true, level: opts.logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: opts.historyShards ?? 4,
      datastores: { 'postgres-default': sqlStore(opts.databases.main, 20), 'postgres-visibility': sqlStore(opts.databases.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(
      SERVICES.map((s) => [s, { rpc: { grpcPort: ports[s].grpc, membershipPort: ports[s].membership, bindOnLocalHost: true, ...(s === 'frontend' ? { httpPort: ports.frontendHttp } : {}) } }]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcAddress: frontendAddress, httpAddress: `127.0.0.1:${ports.frontendHttp}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: disabled, visibility: disabled },
    namespaceDefaults: { archival: { history: disabled, visibility: disabled } },
    // The internal worker service (schedules, among others) reaches the frontend here.
    publicClient: { hostPort: frontendAddress },
    dynamicConfigClient: { filepath: opts.dynamicConfigPath, pollInterval: '10s' },
  };
}

/**
 * Dynamic configuration: the server's defaults suit Bindery (schedules, signal-with-start, SQL visibility
 * with up to ten custom Keyword search attributes per namespace, where Bindery registers four), so this
 * only keeps the frontend from calling home for version checks, which a machine without internet cannot.
 */
export function dynamicConfig(): Record<string, { value: unknown; constraints: Record<string, never> }[]> {
  return { 'frontend.enableServerVersionCheck': [{ value: false, constraints: {} }] };
}

/** A PostgreSQL URL as the server's connection settings (its visibility database is `<name>_visibility`). */
export function databasesFromUrl(url: string, name?: string): { main: DatabaseAddress; visibility: DatabaseAddress } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a PostgreSQL URL: ${url.replace(/:[^:@/]*@/, ':***@')} (expected postgres://user:password@host:port/database)`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`not a PostgreSQL URL (scheme ${parsed.protocol}): expected postgres://user:password@host:port/database`);
  const database = name ?? decodeURIComponent(parsed.pathname.slice(1));
  if (!database) throw new Error('the Temporal database URL names no database: add one, e.g. postgres://temporal:temporal@127.0.0.1:5432/temporal');
  const main: DatabaseAddress = {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
  return { main, visibility: { ...main, database: `${database}_visibility` } };
}
