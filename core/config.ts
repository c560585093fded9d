import { z } from 'zod';

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
  temporalAddress: setting('TEMPORAL_ADDRESS', text, 'localhost:7233', 'Temporal frontend (host:port)'),
  temporalNamespace: setting('TEMPORAL_NAMESPACE', text, 'default', 'Temporal namespace'),
  taskQueue: setting('TEMPORAL_TASK_QUEUE', text, 'bindery', "Task queue of Bindery's workflows and activities"),
  toolsDir: setting('BINDERY_TOOLS_DIR', text, '~/.cache/bindery', 'Where `npm run setup` (run by `npm start` and `npm test` first) installs the tools it builds: the Temporal CLI, mailpit, the Temporal test server, a Python virtualenv'),
  temporalCliPath: setting('TEMPORAL_CLI_PATH', optionalText, undefined, '`npm start`: the temporal binary for the dev server (else the one setup installed in BINDERY_TOOLS_DIR, else `temporal` on PATH)'),
  temporalUiPort: setting('TEMPORAL_UI_PORT', port, '8233', '`npm start`: port of the Temporal Web UI'),
  slackScimUrl: setting('SLACK_SCIM_URL', z.url().optional(), undefined, '`npm start --demo`: a real Slack SCIM base URL; with SLACK_SCIM_TOKEN no emulator is started'),
  slackScimToken: setting('SLACK_SCIM_TOKEN', optionalText, undefined, '`npm start --demo`: the Slack admin token for SLACK_SCIM_URL'),
  smtpUrl: setting('SMTP_URL', optionalText, undefined, 'Where mail goes (smtp://[user:pass@]host:port, smtps:// for TLS); unset → `npm start` runs a local mail catcher (mailpit), and a lone worker sends none'),
  mailFrom: setting('MAIL_FROM', text, 'Bindery <bindery@bindery.localhost>', 'The sender of every mail Bindery sends'),
  adminEmail: setting('BINDERY_ADMIN_EMAIL', z.email(), 'admin@bindery.localhost', "Who is emailed about a connector without a notifyEmail of its own (held deactivations, imports)"),
  mailCatcherSmtpPort: setting('MAIL_CATCHER_SMTP_PORT', port, '1025', '`npm start` without SMTP_URL: the mail catcher’s SMTP port'),
  mailCatcherHttpPort: setting('MAIL_CATCHER_HTTP_PORT', port, '8025', '`npm start` without SMTP_URL: the mail catcher’s HTTP API (messages as JSON at /api/v1/messages)'),
  workflowBundle: setting('BINDERY_WORKFLOW_BUNDLE', optionalText, undefined, 'A worker: the pre-built workflow bundle to load (`npm run bundle` writes one); unset → the worker bundles the workflows itself at start (slower, and its memory peaks higher)'),
  logLevel: setting('BINDERY_LOG_LEVEL', z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO', "The worker's log level (Temporal SDK and workflow logs)"),
  governor: setting('BINDERY_GOVERNOR', z.enum(['on', 'off']), 'on', "Whether workers pace SCIM requests to stay under Slack's rate limits (shared through the database)"),
  governorScale: setting('BINDERY_GOVERNOR_SCALE', z.coerce.number().positive(), '1', "Multiplies the governor's rates (match EMULATOR_RATE_SCALE when testing against a scaled emulator)"),
  emulatorPort: setting('EMULATOR_PORT', port, '8099', 'Port of the Slack SCIM emulator'),
  emulatorToken: setting('EMULATOR_TOKEN', optionalText, undefined, 'Bearer token the emulator accepts (`npm start` generates one into BINDERY_DATA_DIR/emulator-token when unset)'),
  emulatorRateLimits: setting('EMULATOR_RATE_LIMITS', z.enum(['on', 'off']), 'on', "Whether the emulator enforces Slack's rate limits"),
  emulatorRateScale: setting('EMULATOR_RATE_SCALE', z.coerce.number().positive(), '1', "Multiplies the emulator's rate limits and bursts (e.g. 10 = ten times Slack's rates)"),
};

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

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
