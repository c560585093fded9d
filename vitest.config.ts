import { defineConfig } from 'vitest/config';

// Two projects: `fast` needs nothing but Node (pure code, the emulator and the SCIM client over
// loopback HTTP); `temporal` shares one real Temporal dev server (and Postgres) via globalSetup.
export default defineConfig({
  test: {
    pool: 'forks', // the Temporal native core panics under worker threads
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/core/**/*.test.ts', 'test/emulator/**/*.test.ts', 'test/targets/**/*.test.ts', 'test/db/**/*.test.ts', 'test/services/**/*.test.ts', 'test/secrets/**/*.test.ts', 'test/app/**/*.test.ts', 'test/mail/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'temporal',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Runs after every other project, on the same Temporal server (its address comes through the
        // environment set by the temporal project's globalSetup): scans all the histories they made.
        extends: true,
        test: { name: 'audit', include: ['test/audit/**/*.test.ts'], sequence: { groupOrder: 1 }, testTimeout: 120_000 },
      },
    ],
  },
});
