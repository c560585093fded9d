import { loadConfig } from '../core/config';
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
  const database = await openDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/db` });
  const temporal = await connectTemporal({ address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue });
  // The outbox dispatcher runs beside the API; several API processes may run it (SKIP LOCKED leases).
  const dispatcher = startDispatcher({ db: database.db, temporal, taskQueue: config.taskQueue, bulkMinUsers: config.bulkMinUsers, log: (m) => console.log(m) });
  // The user portal mails sign-in links (without SMTP_URL nobody can sign in to it).
  const mailer = config.smtpUrl ? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }) : undefined;
  const api = buildApi({ db: database.db, secretKey: resolveSecretKey(config), apiKey: resolveApiKey(config), temporal, taskQueue: config.taskQueue, notify: dispatcher.notify, mailer });
  await api.listen({ host: config.apiHost, port: config.apiPort });
  console.log(`admin API on http://${config.apiHost}:${config.apiPort}`);
  const stop = async () => {
    await api.close();
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
