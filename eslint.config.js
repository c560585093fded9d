import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = ['undici', 'postgres', 'drizzle-orm', '@electric-sql/pglite', 'fastify', 'nodemailer', 'pino'];
const temporal = ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'];

/**
 * The layers, each importing only downwards:
 *   core (pure rules) ← targets, db ← engine, services ← activities ← worker; workflows (sandbox) ← core;
 *   api ← services, dispatch; cli talks to the API over HTTP; app wires everything; emulator is its own Slack.
 * A folder may import the folders listed for it (and itself); the rule names the allowed ones in its message.
 */
const layers = {
  core: [],
  targets: ['core'],
  secrets: [],
  tools: ['core'],
  mail: ['core', 'tools'],
  db: ['core', 'secrets'],
  engine: ['core', 'db', 'targets', 'secrets', 'mail'],
  // SAML over settings: crypto and XML, no database (the IdP; Slack's SAML facts, which the emulator shares).
  sso: ['core'],
  services: ['core', 'db', 'targets', 'secrets', 'sso'],
  activities: ['core', 'db', 'engine', 'targets', 'mail'],
  workflows: ['core'], // and activity types (import type)
  dispatch: ['core', 'db', 'workflows', 'codec', 'observability'],
  api: ['core', 'db', 'services', 'dispatch', 'workflows', 'sso', 'portal'],
  portal: ['core', 'db', 'services', 'sso', 'mail'], // the user portal's pages and the IdP's browser endpoints
  cli: ['core', 'secrets'],
  worker: ['core', 'db', 'activities', 'engine', 'workflows', 'secrets', 'targets', 'tools', 'mail', 'codec', 'observability'],
  emulator: ['core', 'targets', 'sso'],
  observability: ['core', 'db'], // metrics (prom-client), JSON logs (pino), the SDK runtime's telemetry
  codec: ['core', 'secrets', 'observability'], // payload encryption and the codec server for the Web UI
  cluster: ['core', 'tools', 'workflows'], // the real Temporal server as child processes (npm run cluster, tests, benches)
};
const folders = Object.keys(layers);

function layerRule(folder) {
  const forbidden = folders.filter((f) => f !== folder && !layers[folder].includes(f));
  const patterns = forbidden.map((f) => ({
    // Packages are not layers: `@temporalio/worker` is not the worker/ folder.
    group: [`**/${f}`, `**/${f}/**`, `../${f}/*`, `../../${f}/*`, '!@temporalio/*'],
    message:
      folder === 'workflows' && f === 'activities'
        ? 'workflows may only `import type` from activities (Temporal sandbox)'
        : `${folder}/ may import only ${layers[folder].length ? layers[folder].join(', ') : 'itself'} (see eslint.config.js: layers point down)`,
    ...(folder === 'workflows' && f === 'activities' ? { allowTypeImports: true } : {}),
  }));
  return patterns;
}

const restrict = (folder, extra = { paths: [], patterns: [] }) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { paths: extra.paths, patterns: [...layerRule(folder), ...extra.patterns] }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'db/migrations/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests read JSON answers loosely on purpose; production code names its types.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  ...folders.filter((f) => f !== 'workflows' && f !== 'core').map((f) => restrict(f)),
  // Pure rules: no I/O at all.
  restrict('core', {
    paths: [...nodeBuiltins.filter((m) => !/^(node:)?(crypto)$/.test(m)), ...ioLibraries, ...temporal].map((name) => ({ name, message: 'core/ is pure: no I/O' })),
    patterns: [],
  }),
  // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, and no activity, client or
  // worker code (activities are referenced with `import type` only).
  restrict('workflows', {
    paths: [...nodeBuiltins, ...temporal, ...ioLibraries].map((name) => ({ name, message: 'not allowed in workflow code (Temporal sandbox)' })),
    patterns: [],
  }),
);
