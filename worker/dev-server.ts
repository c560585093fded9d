import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, else `temporal` on PATH, else where `go install` puts
 * it. Undefined means none here: the SDK then downloads one (which needs the internet).
 */
export function findTemporalCli(explicit?: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH points at ${explicit}, which does not exist`);
    return explicit;
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin')];
  return dirs.map((dir) => join(dir, 'temporal')).find((p) => p.length > 0 && existsSync(p));
}

export type DevServerOptions = { cliPath?: string; port?: number; ui?: boolean; uiPort?: number; dbFilename?: string; logLevel?: 'warn' | 'error' | 'never' };

/** Starts a Temporal dev server (with Bindery's search attributes registered) and connects to it. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const path = findTemporalCli(opts.cliPath);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: path ? { type: 'existing-path', path } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: opts.port,
      ui: opts.ui ?? false,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
    },
  });
}
