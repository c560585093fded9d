import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTool } from '../tools/tools';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** The Temporal CLI: TEMPORAL_CLI_PATH, else the one setup installed, else `temporal` on PATH or in Go's bin folder. */
export function findTemporalCli(explicit?: string): string {
  const path = findTool('temporal', explicit);
  if (!path) throw new Error('no Temporal CLI found: run `npm run setup` (it builds one with `go install`), or set TEMPORAL_CLI_PATH');
  return path;
}

export type DevServerOptions = {
  cliPath?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  dbFilename?: string;
  logLevel?: 'warn' | 'error' | 'never';
  extraArgs?: string[];
  /** The Web UI shows payloads decoded by this codec server (codec/server.ts). */
  uiCodecEndpoint?: string;
  /** The data converter (payload codec) of the environment's client. */
  dataConverter?: DataConverter;
};

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
      extraArgs: [...(opts.extraArgs ?? []), ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [])],
    },
    ...(opts.dataConverter ? { client: { dataConverter: opts.dataConverter } } : {}),
  });
}
