import { loadConfig, publicBaseUrl } from '../core/config';
import { createLogger } from '../observability/log';
import { startMetricsServer } from '../observability/server';
import { openDatabase } from '../db/client';
import { resolveSecretKey } from '../secrets/secrets';
import { buildApi } from '../api/app';
import { createMailer } from '../mail/mailer';
import { startDispatcher } from '../dispatch/dispatcher';
import { resolveApiKey } from '../secrets/secrets';
import { connectTemporal } from '../dispatch/temporal';

/** `npm run api`: the admin API alone, against an existing Temporal server and database (production shape). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'api', level: config.logLevel });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/db` });
  const temporal = await connectTemporal({ address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue });
  // The outbox dispatcher runs beside the API; several API processes may run it (SKIP LOCKED leases).
  const dispatcher = startDispatcher({ db: database.db, temporal, taskQueue: config.taskQueue, bulkMinUsers: config.bulkMinUsers, log: (m) => logger.info(m) });
  // The user portal mails sign-in links (without SMTP_URL nobody can sign in to it).
  const mailer = config.smtpUrl ? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }) : undefined;
  const api = buildApi({ db: database.db, secretKey: resolveSecretKey(config), apiKey: resolveApiKey(config), temporal, taskQueue: config.taskQueue, notify: dispatcher.notify, mailer, logger, publicUrl: publicBaseUrl(config) });
  await api.listen({ host: config.apiHost, port: config.apiPort });
  // The dispatcher's counters and the outbox and holds gauges (a worker serves the SDK's metrics).
  const metrics = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, db: database.db }).catch((err: unknown) => {
    logger.error({ err }, `no metrics endpoint: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  logger.child({}, { level: 'info' }).info({ api: `http://${config.apiHost}:${config.apiPort}`, metrics: metrics?.url }, `admin API on http://${config.apiHost}:${config.apiPort}${metrics ? `; metrics at ${metrics.url}` : ''}`);
  const stop = async () => {
    await api.close();
    await metrics?.close();
    await dispatcher.stop();
    await temporal.connection.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
