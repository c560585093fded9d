/**
 * `npm run bundle [-- <path>]`: builds the workflow bundle once (default dist/workflows.js), for workers to
 * load with BINDERY_WORKFLOW_BUNDLE instead of bundling at every start — the way to run them in production.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../worker/worker';

export async function writeWorkflowBundle(path: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, code);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = resolve(process.argv[2] ?? 'dist/workflows.js');
  writeWorkflowBundle(path).then(
    () => console.log(`workflow bundle written to ${path}`),
    (err: unknown) => {
      console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
