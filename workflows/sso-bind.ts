import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BIND_WINDOW_MS, type BindOutcome } from '../core/sso-binds';
import { syncRequested } from './object-sync';

const { lookAtBind, expireBind } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { sendBindEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' }, // mail may be down for a while: keep trying
});

/** The registry's input (core/sync-kinds.ts `bind`: `<kind>Id` names the object, here the directory user). */
export type SsoBindInput = { connectorId: string; bindId: string };

/**
 * sso-bind/<connectorId>/<userId>: one user's 72-hour SSO bind window (B1, B2). Sends the round's email,
 * then waits durably for whichever comes first: the user's first launch through the portal, or the end of
 * the window (a 72-hour timer), which marks the user expired. The outbox's "look again" signal carries
 * every change — the launch, a resend (a new round: a fresh email and window, earlier links dead), SSO
 * turned off, authorization lost — and the workflow reads from the database what happened. History holds
 * IDs, round numbers and times only.
 */
export async function ssoBind(input: SsoBindInput): Promise<BindOutcome> {
  const ref = { connectorId: input.connectorId, userId: input.bindId };
  let requested = false;
  setHandler(syncRequested, () => {
    requested = true;
  });
  for (;;) {
    requested = false;
    const look = await lookAtBind(ref);
    if (look.status === 'bound' || look.status === 'expired' || look.status === 'withdrawn') {
      await condition(allHandlersFinished);
      return look.status;
    }
    let deadline: number;
    if (look.status === 'send') {
      deadline = Date.now() + BIND_WINDOW_MS; // workflow time: the window the timer below measures
      if ((await sendBindEmail({ ...ref, round: look.round, deadline })) === 'stale') continue;
    } else {
      deadline = look.deadline;
    }
    const remaining = deadline - Date.now();
    const lookAgain = remaining > 0 && (await condition(() => requested, remaining));
    if (!lookAgain) await expireBind({ ...ref, round: look.round });
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ssoBind>(input);
    }
  }
}
