import { Context } from '@temporalio/activity';
import { notifyHold, settleHold } from '../engine/holds';
import type { EngineDeps } from '../engine/session';

export type HoldRef = { connectorId: string; holdId: string };

/** The circuit breaker's hold (S4): tell the admin, then carry out their decision. IDs and outcome codes only. */
export function createHoldActivities(deps: EngineDeps) {
  return {
    async notifyHeldDeactivations(ref: HoldRef): Promise<{ held: number; notified: boolean }> {
      return notifyHold(deps, ref);
    },
    async settleHeldDeactivations(ref: HoldRef): Promise<'open' | 'approved' | 'rejected' | 'gone'> {
      const info = Context.current().info.workflowExecution;
      return settleHold(deps, ref, { workflowId: info?.workflowId, runId: info?.runId });
    },
  };
}
