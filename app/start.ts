import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, publicBaseUrl } from '../core/config';
import { openDatabase } from '../db/client';
import { createGovernor } from '../db/governor';
import { SLACK_RATE_LIMITS } from '../targets/slack/facts';
import { readOrCreateSecretFile, resolveSecretKey } from '../secrets/secrets';
import { startEmulator } from '../emulator/server';
import { startDevServer } from '../worker/dev-server';
import { createWorker } from '../worker/worker';
import { buildApi } from '../api/app';
import { startDispatcher } from '../dispatch/dispatcher';
import { resolveApiKey } from '../secrets/secrets';
import { prepareDataDir } from './data-dir';
import { createMailer, redactSmtpUrl } from '../mail/mailer';
import { startMailCatcher } from '../mail/catcher';
import { startBanner } from './banner';
import { seedDemo } from './demo';
import { binderyDataConverter, EncryptionCodec } from '../codec/codec';
import { resolveCodecKeys } from '../codec/keys';
import { parseOrigins } from '../codec/access';
import { startCodecServer } from '../codec/server';
import { recordGovernorWait, recordScimAnswer } from '../observability/metrics';
import { installRuntime } from '../observability/runtime';
import { startMetricsServer } from '../observability/server';

/**
 * `npm start`: everything on embedded defaults in one process — a Temporal dev server with its Web
 * UI, the database (PGlite unless DATABASE_URL), the Slack SCIM emulator (unless a real Slack is
 * configured), the worker and the admin API. Ctrl-C stops it all.
 */
async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });
  const config = loadConfig();
  // The SDK's info logs would drown the URLs below: warnings only, in its plain format. Its metrics go to /metrics.
  const { sdkMetricsUrl } = await installRuntime({ level: 'WARN', sdkMetrics: true });
  const dataDir = resolve(config.dataDir);
  prepareDataDir(dataDir);
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    const temporalPort = Number(config.temporalAddress.split(':').at(-1));
    // Every payload is encrypted (codec/); the Web UI shows them decoded through the codec server, which
    // trusts this UI's origin and anyone else with the admin API key.
    const codecKeys = resolveCodecKeys(config);
    const apiKey = resolveApiKey(config);
    const uiOrigins = [`http://127.0.0.1:${config.temporalUiPort}`, `http://localhost:${config.temporalUiPort}`];
    const codecServer = await startCodecServer({
      codec: new EncryptionCodec(codecKeys),
      tokens: [apiKey],
      allowOrigins: [...parseOrigins(config.codecAllowOrigins), ...uiOrigins],
      namespace: 'default',
      host: config.codecHost,
      port: config.codecPort,
    });
    stops.push(() => codecServer.close());
    console.log('starting the Temporal dev server…');
    const temporal = await startDevServer({
      cliPath: config.temporalCliPath,
      port: temporalPort,
      ui: true,
      uiPort: config.temporalUiPort,
      dbFilename: join(dataDir, 'temporal.db'),
      uiCodecEndpoint: codecServer.url,
      dataConverter: binderyDataConverter(codecKeys),
    });
    stops.push(() => temporal.teardown());

    const database = await openDatabase({ url: config.databaseUrl, dataDir: join(dataDir, 'db') });
    stops.push(async () => {
      await database.close();
      prepareDataDir(dataDir);
    });
    prepareDataDir(dataDir); // PGlite and the dev server have made their files: owner-only
    const metrics = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, db: database.db, sdkMetricsUrl });
    stops.push(() => metrics.close());
    const secretKey = resolveSecretKey(config);

    let slack = config.slackScimUrl && config.slackScimToken ? { baseUrl: config.slackScimUrl, token: config.slackScimToken, emulated: false } : undefined;
    if (!slack) {
      // Kept in the data directory, so connectors saved by an earlier run still authenticate.
      const token = config.emulatorToken ?? readOrCreateSecretFile(join(dataDir, 'emulator-token'), () => `xoxp-emulator-${randomBytes(12).toString('hex')}`);
      const emulator = await startEmulator({ port: config.emulatorPort, token, rateLimits: { enabled: config.emulatorRateLimits === 'on', scale: config.emulatorRateScale } });
      stops.push(() => emulator.close());
      slack = { baseUrl: emulator.baseUrl, token, emulated: true };
    }

    // Mail: the configured SMTP server, else a local catcher whose inbox is readable over HTTP.
    let mailUrl = config.smtpUrl;
    let inbox: string | undefined;
    if (!mailUrl) {
      const catcher = await startMailCatcher({ smtpPort: config.mailCatcherSmtpPort, httpPort: config.mailCatcherHttpPort, dataFile: join(dataDir, 'mail.db') });
      stops.push(() => catcher.stop());
      mailUrl = catcher.smtpUrl;
      inbox = `${catcher.apiUrl}/messages`;
    }
    const mailer = createMailer({ smtpUrl: mailUrl, from: config.mailFrom });
    stops.push(async () => mailer.close());

    const worker = await createWorker({
      connection: temporal.nativeConnection,
      namespace: 'default',
      taskQueue: config.taskQueue,
      codecKeys,
      deps: {
        db: database.db,
        secretKey,
        governor: createGovernor(database.db, { limits: SLACK_RATE_LIMITS, enabled: config.governor === 'on', scale: config.governorScale, onWait: recordGovernorWait }),
        clientOptions: { onAnswer: recordScimAnswer },
        mail: { mailer, adminEmail: config.adminEmail },
      },
    });
    const running = worker.run();
    stops.push(async () => {
      // The SDK's own SIGINT handler may already have begun the shutdown.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const dispatcher = startDispatcher({ db: database.db, temporal: temporal.client, taskQueue: config.taskQueue, bulkMinUsers: config.bulkMinUsers, log: (m) => console.log(m) });
    stops.push(() => dispatcher.stop());
    const api = buildApi({ db: database.db, secretKey, apiKey, temporal: temporal.client, taskQueue: config.taskQueue, notify: dispatcher.notify, mailer, publicUrl: publicBaseUrl(config) });
    await api.listen({ host: config.apiHost, port: config.apiPort });
    stops.push(() => api.close());
    const apiUrl = `http://${config.apiHost}:${config.apiPort}`;

    if (flags.demo) await seedDemo({ db: database.db, secretKey, notify: dispatcher.notify }, slack);

    console.log(`Payloads are encrypted; the Web UI decodes them with the codec server ${codecServer.url} (others need the API key). Metrics: ${metrics.url}`);
    console.log(
      startBanner({
        database: database.kind === 'pglite' ? `pglite database in ${join(dataDir, 'db')}` : 'postgres database',
        uiPort: config.temporalUiPort,
        temporalPort,
        apiUrl,
        apiKeyAt: config.apiKey ? 'BINDERY_API_KEY' : join(dataDir, 'api-key'),
        slack: { baseUrl: slack.baseUrl, tokenAt: slack.emulated ? (config.emulatorToken ? 'EMULATOR_TOKEN' : join(dataDir, 'emulator-token')) : undefined },
        mail: inbox ? { inbox } : { server: redactSmtpUrl(mailUrl) },
      }),
    );

    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    console.log('\nstopping…');
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bindery start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
