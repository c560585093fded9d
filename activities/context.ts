import { Context } from '@temporalio/activity';
import type { RunContext } from '../engine/session';

/** The running activity's context for the engine: the workflow it serves (for events), heartbeats, cancellation. */
export function runContext(): RunContext {
  const ctx = Context.current();
  const info = ctx.info;
  return {
    trace: { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, attempt: info.attempt },
    heartbeat: () => ctx.heartbeat(),
    signal: ctx.cancellationSignal,
  };
}
