import { and, count, eq, inArray, isNotNull } from 'drizzle-orm';
import { countHeld, getHold, heldUsers } from '../db/breaker';
import { recordEvent } from '../db/events';
import { getLinks, saveLink } from '../db/links';
import { enqueueMany } from '../db/outbox';
import { holds, userLinks } from '../db/schema';
import { heldDeactivationsMessage } from '../mail/messages';
import type { EngineDeps } from './session';
import { getConnector } from '../db/connectors';

/**
 * The two things a hold of the circuit breaker does besides waiting (S4): tell the admin, once, with the
 * numbers and the reason; and carry out the admin's decision — approved deactivations are queued again
 * (their claim now goes through), rejected ones leave the accounts active until the directory changes.
 */

/** Emails the connector's admin about an open hold, once. Returns how many deactivations it holds. */
export async function notifyHold(deps: EngineDeps, ref: { connectorId: string; holdId: string }): Promise<{ held: number; notified: boolean }> {
  const hold = await getHold(deps.db, ref.holdId);
  const connector = await getConnector(deps.db, ref.connectorId);
  if (!hold || !connector || hold.status !== 'open') return { held: 0, notified: false };
  const held = await countHeld(deps.db, hold.id);
  if (hold.notifiedAt) return { held, notified: false };
  const [{ n: linked } = { n: 0 }] = await deps.db.select({ n: count() }).from(userLinks).where(and(eq(userLinks.connectorId, connector.id), isNotNull(userLinks.remoteId)));
  const to = connector.notifyEmail ?? deps.mail?.adminEmail;
  if (deps.mail && to) {
    const message = heldDeactivationsMessage({
      connectorLabel: connector.label,
      connectorId: connector.id,
      held,
      linkedUsers: linked,
      threshold: `more than ${connector.breakerPercent}% of linked users and at least ${connector.breakerMinUsers} within ${connector.breakerWindowMinutes} minutes`,
      reason: hold.reason,
      approveCommand: `bindery connector approve ${hold.id} --by <you> --reason <why>`,
      rejectCommand: `bindery connector reject ${hold.id} --by <you> --reason <why>`,
    });
    await deps.mail.mailer.send({ to, ...message });
  }
  await deps.db.update(holds).set({ notifiedAt: new Date() }).where(eq(holds.id, hold.id));
  return { held, notified: deps.mail !== undefined && to !== undefined };
}

/** Carries out a decided hold; 'open' while the admin has not decided. */
export async function settleHold(deps: EngineDeps, ref: { connectorId: string; holdId: string }, trace: { workflowId?: string; runId?: string } = {}): Promise<'open' | 'approved' | 'rejected' | 'gone'> {
  const hold = await getHold(deps.db, ref.holdId);
  if (!hold) return 'gone';
  if (hold.status === 'open') return 'open';
  const users = (await heldUsers(deps.db, hold.id)).map((u) => u.userId);
  await deps.db.transaction(async (tx) => {
    if (hold.status === 'approved') {
      await enqueueMany(tx, 'user', ref.connectorId, users);
    } else {
      // Rejected: the accounts stay as they are; the links say so until the directory changes.
      const links = await getLinks(tx, ref.connectorId, users);
      for (const userId of users) {
        const link = links.get(userId);
        if (link?.state === 'held') {
          await saveLink(tx, { connectorId: ref.connectorId, userId, state: 'active', lastErrorCode: 'deactivation_rejected', lastError: `An admin rejected this deactivation (hold ${hold.id}): the account stays active until the directory changes.` });
        }
      }
    }
    const verb = hold.status === 'approved' ? 'approved' : 'rejected';
    await recordEvent(tx, {
      type: hold.status === 'approved' ? 'deactivation_approved' : 'deactivation_rejected',
      connectorId: ref.connectorId,
      objectType: 'hold',
      objectId: hold.id,
      outcome: 'success',
      message: `${hold.decidedBy ?? 'An admin'} ${verb} ${users.length} held deactivation(s)${hold.decisionReason ? `: ${hold.decisionReason}` : ''}.${hold.status === 'approved' ? ' They are carried out now.' : ' The accounts stay active.'}`,
      workflowId: trace.workflowId,
      runId: trace.runId,
    });
  });
  return hold.status;
}

/** Whether these users' links are still held (for tests and the API). */
export async function stillHeld(deps: EngineDeps, connectorId: string, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const [row] = await deps.db.select({ n: count() }).from(userLinks).where(and(eq(userLinks.connectorId, connectorId), inArray(userLinks.userId, userIds), eq(userLinks.state, 'held')));
  return row?.n ?? 0;
}
