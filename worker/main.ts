import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../core/config';
import { openDatabase } from '../db/client';
import { createGovernor } from '../db/governor';
import { SLACK_RATE_LIMITS } from '../targets/slack/facts';
import { resolveSecretKey } from '../secrets/secrets';
import { createMailer } from '../mail/mailer';
import { createWorker } from './worker';

/** `npm run worker`: one worker process against an existing Temporal server and database. */
async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/db` });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: config.workflowBundle ? { codePath: config.workflowBundle } : undefined,
    deps: {
      mail: config.smtpUrl ? { mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }), adminEmail: config.adminEmail } : undefined,
      db: database.db,
      secretKey: resolveSecretKey(config),
      governor: createGovernor(database.db, { limits: SLACK_RATE_LIMITS, enabled: config.governor === 'on', scale: config.governorScale }),
    },
  });
  console.log(`worker polling task queue "${config.taskQueue}" on ${config.temporalAddress} (${database.kind} database)`);
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  await connection.close();
  await database.close();
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
