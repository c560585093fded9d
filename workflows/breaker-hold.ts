import type { Duration } from '@temporalio/common';
import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { HoldRef } from '../activities/holds';
import type { Activities } from '../activities';
import { syncRequested } from './object-sync';

/** Deactivations held in a burst (a cascade, a resync) arrive over a few seconds: the admin is told once, with all of them. */
export const HOLD_SETTLE = '10 seconds';

const { notifyHeldDeactivations, settleHeldDeactivations } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' }, // mail may be down for a while: keep trying
});

export type BreakerHoldInput = HoldRef & { settle?: Duration; notified?: boolean };

/**
 * breaker-hold/<connectorId>/<holdId>: the circuit breaker held deactivations (S4). Emails the admin with
 * the numbers and the reason, then waits — durably, as long as it must — for the decision, which arrives
 * as "look again" (the API records it in the database and queues this workflow), and carries it out.
 */
export async function breakerHold(input: BreakerHoldInput): Promise<string> {
  const ref = { connectorId: input.connectorId, holdId: input.holdId };
  let requested = false;
  setHandler(syncRequested, () => {
    requested = true;
  });
  if (!input.notified) {
    await sleep(input.settle ?? HOLD_SETTLE);
    await notifyHeldDeactivations(ref);
  }
  for (;;) {
    const state = await settleHeldDeactivations(ref);
    if (state !== 'open') return state;
    await condition(() => requested);
    requested = false;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof breakerHold>({ ...input, notified: true });
  }
}
