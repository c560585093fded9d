import { configDefaults, defineConfig } from 'vitest/config';

// Projects: `fast` needs nothing but Node and local services (pure code, the emulator and the SCIM client over
// loopback HTTP); `temporal` shares one real Temporal dev server (and Postgres) via globalSetup.
export default defineConfig({
  test: {
    pool: 'forks', // the Temporal native core panics under worker threads
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/core/**/*.test.ts', 'test/emulator/**/*.test.ts', 'test/targets/**/*.test.ts', 'test/db/**/*.test.ts', 'test/services/**/*.test.ts', 'test/secrets/**/*.test.ts', 'test/app/**/*.test.ts', 'test/mail/**/*.test.ts', 'test/cluster/**/*.test.ts', 'test/codec/**/*.test.ts', 'test/observability/**/*.test.ts', 'test/deploy/**/*.test.ts', 'test/sso/**/*.test.ts'], exclude: [...configDefaults.exclude, '**/*.e2e.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'temporal',
          include: ['test/e2e/**/*.test.ts', 'test/codec/**/*.e2e.test.ts', 'test/observability/**/*.e2e.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Timers of hours and days (the 72-hour SSO bind window) on Temporal's time-skipping test server,
        // one per file (started by the file itself), with PostgreSQL and a mail catcher.
        extends: true,
        test: { name: 'timeskip', include: ['test/timeskip/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 },
      },
      // The production topology: a real Temporal server on PostgreSQL (cluster/), two worker processes, one
      // SIGKILLed. It needs `npm run setup:cluster` (a Go build of minutes) and takes two minutes of a busy
      // machine, so `npm test` leaves it out: `npm run test:topology` runs it (docs/cluster.md).
      ...(process.env.BINDERY_TEST_TOPOLOGY
        ? [{ extends: true as const, test: { name: 'topology', include: ['test/topology/**/*.test.ts'], testTimeout: 420_000, hookTimeout: 240_000 } }]
        : []),
      {
        // Runs after every other project, on the same Temporal server (its address comes through the
        // environment set by the temporal project's globalSetup): scans all the histories they made.
        extends: true,
        test: { name: 'audit', include: ['test/audit/**/*.test.ts'], sequence: { groupOrder: 1 }, testTimeout: 120_000 },
      },
    ],
  },
});
