import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../db/client';
import { startDevServer } from '../../worker/dev-server';
import { workflowsPath } from '../../worker/worker';
import { TEST_DATABASE_URL } from './database-url';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    databaseUrl: string;
  }
}

/**
 * Once per run, for every file of the `temporal` project: one real Temporal dev server (files
 * share it, avoiding port races), a clean PostgreSQL schema, and the workflow bundle built once.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe('drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;');
  } catch (err) {
    throw new Error(`tests need PostgreSQL at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (run \`npm run setup\`): ${(err as Error).message}`);
  } finally {
    await sql.end();
  }
  const database = await openDatabase({ url: TEST_DATABASE_URL }); // migrate once, before files race to
  await database.close();

  const env = await startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, logLevel: 'never' });
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'bindery-')), 'workflows.js');
  writeFileSync(bundlePath, code);

  project.provide('temporalAddress', env.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('databaseUrl', TEST_DATABASE_URL);
  process.env.BINDERY_TEST_TEMPORAL_ADDRESS = env.address; // for the audit project (test/audit), which runs last
  return () => env.teardown();
}
