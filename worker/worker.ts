import { createRequire } from 'node:module';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { binderyDataConverter } from '../codec/codec';
import type { CodecKeys } from '../codec/keys';
import { activityObservability } from '../observability/activity';

const require = createRequire(import.meta.url);

/** Each cached workflow holds a sandbox (about 1 MiB): this many keep a worker well under 1 GiB. */
export const DEFAULT_WORKFLOW_CACHE = 250;

/** The workflow code's entry point, for bundling (workflows run in the SDK's deterministic sandbox). */
export const workflowsPath = require.resolve('../workflows/index.ts');

export type WorkerSetup = {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Payload encryption (codec/): the same keys as every client of the deployment. */
  codecKeys: CodecKeys;
  /** Workflows kept in the worker's cache (BINDERY_WORKFLOW_CACHE). */
  maxCachedWorkflows?: number;
  /** A pre-built bundle (tests build one per run); otherwise the worker bundles workflowsPath. */
  workflowBundle?: WorkerOptions['workflowBundle'];
};

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    activities: createActivities(setup.deps),
    dataConverter: binderyDataConverter(setup.codecKeys),
    // Metrics of every activity's results, and a log line per activity carrying its workflow ID.
    interceptors: { activity: [activityObservability] },
    ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath }),
    // Let running activities finish their SCIM call and record their event on shutdown.
    shutdownGraceTime: '10 seconds',
    // Bounded memory whatever the cascade: at most this many workflows stay cached (the rest replay on demand).
    maxCachedWorkflows: setup.maxCachedWorkflows ?? DEFAULT_WORKFLOW_CACHE,
  });
}
