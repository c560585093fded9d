import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import { BULK_CONCURRENCY } from '../engine/bulk';
import type { RunContext } from '../engine/session';

/** The running activity's context for the engine: the workflow it serves (for events), heartbeats, cancellation. */
export function runContext(): RunContext {
  const ctx = Context.current();
  const info = ctx.info;
  // A bulk call's requests wait on the rate governor at once, each listening for this one cancellation.
  setMaxListeners(2 * BULK_CONCURRENCY, ctx.cancellationSignal);
  return {
    trace: { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, attempt: info.attempt },
    heartbeat: () => ctx.heartbeat(),
    signal: ctx.cancellationSignal,
  };
}
