import { createRequire } from 'node:module';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';

const require = createRequire(import.meta.url);

/** The workflow code's entry point, for bundling (workflows run in the SDK's deterministic sandbox). */
export const workflowsPath = require.resolve('../workflows/index.ts');

export type WorkerSetup = {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the worker bundles workflowsPath. */
  workflowBundle?: WorkerOptions['workflowBundle'];
};

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    activities: createActivities(setup.deps),
    ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath }),
    // Let running activities finish their SCIM call and record their event on shutdown.
    shutdownGraceTime: '10 seconds',
  });
}
