import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../core/config';
import { openDatabase } from '../db/client';
import { createGovernor } from '../db/governor';
import { SLACK_RATE_LIMITS } from '../targets/slack/facts';
import { resolveSecretKey } from '../secrets/secrets';
import { createMailer } from '../mail/mailer';
import { resolveCodecKeys } from '../codec/keys';
import { createLogger } from '../observability/log';
import { recordGovernorWait, recordScimAnswer } from '../observability/metrics';
import { installRuntime } from '../observability/runtime';
import { startMetricsServer } from '../observability/server';
import { createWorker } from './worker';

/**
 * `npm run worker`: one worker process against an existing Temporal server and database. Logs are JSON
 * lines on stdout (observability/log.ts); GET /metrics on BINDERY_METRICS_PORT has Bindery's metrics and
 * the SDK's.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'worker', level: config.logLevel });
  const { sdkMetricsUrl } = await installRuntime({ logger, level: config.logLevel, sdkMetrics: true });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/db` });
  // Without its metrics endpoint (port taken) a worker still syncs: said loudly, not fatal.
  const metrics = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, db: database.db, sdkMetricsUrl }).catch((err: unknown) => {
    logger.error({ err }, `no metrics endpoint: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: config.workflowBundle ? { codePath: config.workflowBundle } : undefined,
    codecKeys: resolveCodecKeys(config),
    maxCachedWorkflows: config.workflowCache,
    deps: {
      mail: config.smtpUrl ? { mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }), adminEmail: config.adminEmail } : undefined,
      db: database.db,
      secretKey: resolveSecretKey(config),
      governor: createGovernor(database.db, { limits: SLACK_RATE_LIMITS, enabled: config.governor === 'on', scale: config.governorScale, onWait: recordGovernorWait }),
      clientOptions: { onAnswer: recordScimAnswer },
    },
  });
  // Said at any log level: scripts and tests wait for "worker polling".
  logger.child({}, { level: 'info' }).info({ taskQueue: config.taskQueue, temporal: config.temporalAddress, database: database.kind, metrics: metrics?.url }, `worker polling task queue "${config.taskQueue}" on ${config.temporalAddress} (${database.kind} database)${metrics ? `; metrics at ${metrics.url}` : ''}`);
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  await connection.close();
  await metrics?.close();
  await database.close();
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
