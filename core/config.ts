import { z } from 'zod';
import { BULK_MIN_USERS } from './sync-kinds';

const port = z.coerce.number().int().min(0).max(65535);
const text = z.string().min(1);
const optionalText = z.string().min(1).optional();

function setting<S extends z.ZodType>(env: string, schema: S, fallback: string | undefined, doc: string) {
  return { env, schema, default: fallback, doc };
}

/**
 * Every environment variable Bindery reads, with its default and meaning: the one place they are
 * defined. The README's configuration table lists exactly these.
 */
export const SETTINGS = {
  databaseUrl: setting('DATABASE_URL', optionalText, undefined, 'PostgreSQL URL; unset → embedded PGlite in BINDERY_DATA_DIR'),
  dataDir: setting('BINDERY_DATA_DIR', text, '.data', 'Where local state lives: PGlite files, the generated secret and API keys'),
  secretKey: setting('BINDERY_SECRET_KEY', optionalText, undefined, 'AES-256-GCM key for SCIM tokens at rest (32 bytes, hex or base64); unset → generated once into BINDERY_DATA_DIR/secret.key'),
  apiKey: setting('BINDERY_API_KEY', optionalText, undefined, 'Admin API key; unset → generated once into BINDERY_DATA_DIR/api-key (the CLI reads the same file)'),
  apiHost: setting('BINDERY_API_HOST', text, '127.0.0.1', 'Address the admin API listens on'),
  apiPort: setting('BINDERY_API_PORT', port, '8080', 'Port of the admin API'),
  apiUrl: setting('BINDERY_API_URL', z.url(), 'http://127.0.0.1:8080', 'Where the CLI finds the admin API'),
  publicUrl: setting('BINDERY_PUBLIC_URL', z.url({ protocol: /^https?$/ }).optional(), undefined, "The public base URL of Bindery's SAML IdP and user portal, as browsers and Slack reach it (each connector's IdP SSO URL is `<this>/sso/<connectorId>/saml`); unset → http://BINDERY_API_HOST:BINDERY_API_PORT"),
  temporalAddress: setting('TEMPORAL_ADDRESS', text, 'localhost:7233', 'Temporal frontend (host:port)'),
  temporalNamespace: setting('TEMPORAL_NAMESPACE', text, 'default', 'Temporal namespace'),
  taskQueue: setting('TEMPORAL_TASK_QUEUE', text, 'bindery', "Task queue of Bindery's workflows and activities"),
  toolsDir: setting('BINDERY_TOOLS_DIR', text, '~/.cache/bindery', 'Where `npm run setup` (run by `npm start` and `npm test` first) installs the tools it builds: the Temporal CLI, mailpit, the Temporal test server, a Python virtualenv'),
  temporalCliPath: setting('TEMPORAL_CLI_PATH', optionalText, undefined, '`npm start`: the temporal binary for the dev server (else the one setup installed in BINDERY_TOOLS_DIR, else `temporal` on PATH)'),
  temporalServerPath: setting('TEMPORAL_SERVER_PATH', optionalText, undefined, '`npm run cluster`, the topology test and `bench/cluster.ts`: the real Temporal server binary (else the `temporal-server` that `npm run setup:cluster` built into BINDERY_TOOLS_DIR, else one on PATH)'),
  temporalClusterDatabaseUrl: setting('TEMPORAL_CLUSTER_DATABASE_URL', z.url(), 'postgres://temporal:temporal@127.0.0.1:5432/temporal', "The real Temporal server's PostgreSQL role and database (its visibility database is `<name>_visibility`); the topology test and `bench/cluster.ts` create and drop databases of their own with this role"),
  temporalUiPort: setting('TEMPORAL_UI_PORT', port, '8233', '`npm start`: port of the Temporal Web UI'),
  slackScimUrl: setting('SLACK_SCIM_URL', z.url().optional(), undefined, '`npm start --demo`: a real Slack SCIM base URL; with SLACK_SCIM_TOKEN no emulator is started'),
  slackScimToken: setting('SLACK_SCIM_TOKEN', optionalText, undefined, '`npm start --demo`: the Slack admin token for SLACK_SCIM_URL'),
  smtpUrl: setting('SMTP_URL', optionalText, undefined, 'Where mail goes (smtp://[user:pass@]host:port, smtps:// for TLS); unset → `npm start` runs a local mail catcher (mailpit), and a lone worker sends none'),
  mailFrom: setting('MAIL_FROM', text, 'Bindery <bindery@bindery.localhost>', 'The sender of every mail Bindery sends'),
  adminEmail: setting('BINDERY_ADMIN_EMAIL', z.email(), 'admin@bindery.localhost', "Who is emailed about a connector without a notifyEmail of its own (held deactivations, imports)"),
  mailCatcherSmtpPort: setting('MAIL_CATCHER_SMTP_PORT', port, '1025', '`npm start` without SMTP_URL: the mail catcher’s SMTP port'),
  mailCatcherHttpPort: setting('MAIL_CATCHER_HTTP_PORT', port, '8025', '`npm start` without SMTP_URL: the mail catcher’s HTTP API (messages as JSON at /api/v1/messages)'),
  workflowBundle: setting('BINDERY_WORKFLOW_BUNDLE', optionalText, undefined, 'A worker: the pre-built workflow bundle to load (`npm run bundle` writes one); unset → the worker bundles the workflows itself at start (slower, and its memory peaks higher)'),
  bulkMinUsers: setting('BINDERY_BULK_MIN_USERS', z.coerce.number().int().min(0), String(BULK_MIN_USERS), "The dispatcher: a delivery with at least this many users of one connector goes to its bulk-sync workflow, a batch per activity, instead of a workflow per user (0: never)"),
  workflowCache: setting('BINDERY_WORKFLOW_CACHE', z.coerce.number().int().min(0), '250', 'A worker: workflows kept in its cache (memory grows with it; evicted ones replay from history when they wake)'),
  logLevel: setting('BINDERY_LOG_LEVEL', z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO', "The worker's and the codec server's log level: JSON lines on stdout (Bindery's, the Temporal SDK's, workflows' and activities', with their workflow IDs)"),
  codecKeys: setting('BINDERY_CODEC_KEYS', optionalText, undefined, 'Keys of the codec that encrypts every Temporal payload (AES-256-GCM), as `id:base64key,…`: the first encrypts, all decrypt (rotate by putting a new key first); unset → generated once into BINDERY_DATA_DIR/codec-keys. Every worker, API and codec server of one deployment needs the same list'),
  codecHost: setting('BINDERY_CODEC_HOST', text, '127.0.0.1', 'Address the codec server listens on (`npm start`, `npx tsx codec/main.ts`)'),
  codecPort: setting('BINDERY_CODEC_PORT', port, '8234', 'Port of the codec server with which the Temporal Web UI and CLI show payloads decoded (`npm start` gives it to its Web UI)'),
  codecAllowOrigins: setting('BINDERY_CODEC_ALLOW_ORIGINS', optionalText, undefined, 'Origins of Temporal Web UIs whose browsers may decode payloads without a token, comma-separated (`npm start` adds its own UI); any other caller needs the admin API key as a bearer token'),
  metricsHost: setting('BINDERY_METRICS_HOST', text, '127.0.0.1', 'Address of the Prometheus endpoint (GET /metrics) of a worker and of `npm start`'),
  metricsPort: setting('BINDERY_METRICS_PORT', port, '9464', 'Port of the Prometheus endpoint of a worker and of `npm start`: Bindery’s metrics and the Temporal SDK’s (0: a free port, logged at start)'),
  governor: setting('BINDERY_GOVERNOR', z.enum(['on', 'off']), 'on', "Whether workers pace SCIM requests to stay under Slack's rate limits (shared through the database)"),
  governorScale: setting('BINDERY_GOVERNOR_SCALE', z.coerce.number().positive(), '1', "Multiplies the governor's rates (match EMULATOR_RATE_SCALE when testing against a scaled emulator)"),
  emulatorPort: setting('EMULATOR_PORT', port, '8099', 'Port of the Slack SCIM emulator'),
  emulatorToken: setting('EMULATOR_TOKEN', optionalText, undefined, 'Bearer token the emulator accepts (`npm start` generates one into BINDERY_DATA_DIR/emulator-token when unset)'),
  emulatorRateLimits: setting('EMULATOR_RATE_LIMITS', z.enum(['on', 'off']), 'on', "Whether the emulator enforces Slack's rate limits"),
  emulatorRateScale: setting('EMULATOR_RATE_SCALE', z.coerce.number().positive(), '1', "Multiplies the emulator's rate limits and bursts (e.g. 10 = ten times Slack's rates)"),
};

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

/** Bindery's public base URL (BINDERY_PUBLIC_URL), else the admin API's own address: where the IdP and the portal answer. */
export function publicBaseUrl(config: Pick<Config, 'publicUrl' | 'apiHost' | 'apiPort'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.apiHost.includes(':') ? `[${config.apiHost}]` : config.apiHost;
  return `http://${host}:${config.apiPort}`;
}

/** Reads the environment once; a bad value fails with one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const config: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS)) {
    const raw = env[s.env] === undefined || env[s.env] === '' ? s.default : env[s.env];
    const parsed = s.schema.safeParse(raw);
    if (!parsed.success) throw new Error(`bad configuration: ${s.env}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    config[key] = parsed.data;
  }
  return config as Config;
}
