import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, and no activity,
// client or worker code (activities are referenced with `import type` only).
const forbiddenInWorkflows = [
  ...builtinModules.flatMap((m) => [m, `node:${m}`]),
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  'undici',
  'postgres',
  'drizzle-orm',
  '@electric-sql/pglite',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'db/migrations/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.map((name) => ({ name, message: 'not allowed in workflow code (Temporal sandbox)' })),
          patterns: [
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'workflows may only `import type` from activities' },
            { group: ['**/client/**', '**/worker/**', '**/db/**', '**/scim/**', '**/emulator/**'], message: 'workflows must not import I/O code' },
          ],
        },
      ],
    },
  },
);
