import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { startCluster } from './server';

/**
 * `npm run cluster [-- --per-service]`: a real Temporal server on PostgreSQL (the databases
 * `npm run setup:cluster` prepared), on TEMPORAL_ADDRESS's port, with the namespace and Bindery's search
 * attributes, until Ctrl-C. Workers (`npm run worker`) and the API (`npm run api`) then connect to it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'per-service': { type: 'boolean' } } });
  const config = loadConfig();
  const frontendPort = Number(config.temporalAddress.split(':').at(-1));
  if (!Number.isInteger(frontendPort)) throw new Error(`TEMPORAL_ADDRESS=${config.temporalAddress} has no port: write host:port, e.g. 127.0.0.1:7233`);
  const stateDir = join(config.dataDir, 'temporal-cluster');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const started = performance.now();
  const cluster = await startCluster({
    databaseUrl: config.temporalClusterDatabaseUrl,
    stateDir,
    frontendPort,
    processes: values['per-service'] ? 'per-service' : 'one',
    namespace: config.temporalNamespace,
    serverPath: config.temporalServerPath,
  });
  console.log(
    `Temporal server on PostgreSQL (databases ${cluster.databases.main}, ${cluster.databases.visibility}) at ${cluster.address}, ` +
      `namespace ${cluster.namespace}, ready in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `${cluster.pids().length} process(es), logs in ${join(stateDir, 'logs')}. Ctrl-C stops it.`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.teardown();
    process.exit(0);
  };
  void cluster.exited.then(({ name, how, logPath }) => {
    if (stopping) return;
    console.error(`cluster: the Temporal server (${name}) exited (${how}); see ${logPath}`);
    void cluster.teardown().finally(() => process.exit(1));
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
