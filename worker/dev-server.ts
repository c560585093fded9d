import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SETTINGS } from '../core/config';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** The folder `npm run setup` installs tools into (BINDERY_TOOLS_DIR, `~` expanded). */
export function toolsDir(configured = process.env.BINDERY_TOOLS_DIR || SETTINGS.toolsDir.default!): string {
  return configured.startsWith('~/') ? join(homedir(), configured.slice(2)) : configured;
}

/** A tool setup installed, else one on PATH or in Go's bin folder; undefined when there is none. */
export function findTool(name: string, explicit?: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${explicit} (given for ${name}) does not exist`);
    return explicit;
  }
  const dirs = [join(toolsDir(), 'bin'), ...(process.env.PATH ?? '').split(delimiter), join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin')];
  return dirs.filter((d) => d.length > 0).map((dir) => join(dir, name)).find((p) => existsSync(p));
}

/** The Temporal CLI: TEMPORAL_CLI_PATH, else the one setup installed, else `temporal` on PATH or in Go's bin folder. */
export function findTemporalCli(explicit?: string): string {
  const path = findTool('temporal', explicit);
  if (!path) throw new Error('no Temporal CLI found: run `npm run setup` (it builds one with `go install`), or set TEMPORAL_CLI_PATH');
  return path;
}

export type DevServerOptions = { cliPath?: string; port?: number; ui?: boolean; uiPort?: number; dbFilename?: string; logLevel?: 'warn' | 'error' | 'never'; extraArgs?: string[] };

/** Starts a Temporal dev server (with Bindery's search attributes registered) and connects to it. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: findTemporalCli(opts.cliPath) },
      ip: '127.0.0.1',
      port: opts.port,
      ui: opts.ui ?? false,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
      extraArgs: opts.extraArgs,
    },
  });
}
