import { and, desc, eq, inArray } from 'drizzle-orm';
import { getHold } from '../db/breaker';
import type { Tx } from '../db/client';
import { enqueue } from '../db/outbox';
import { directoryUsers, heldDeactivations, holds } from '../db/schema';
import { DomainError, notFound } from './context';
import { requireConnector } from './connectors';

/** The circuit breaker's holds (S4): what is held, and the admin's decision on it. */

export async function listHolds(tx: Tx, connectorId: string) {
  await requireConnector(tx, connectorId);
  const rows = await tx.select().from(holds).where(eq(holds.connectorId, connectorId)).orderBy(desc(holds.createdAt));
  const ids = rows.map((h) => h.id);
  const users = ids.length === 0 ? [] : await tx
    .select({ holdId: heldDeactivations.holdId, userId: heldDeactivations.userId, username: directoryUsers.username, reason: heldDeactivations.reason, heldAt: heldDeactivations.heldAt })
    .from(heldDeactivations)
    .innerJoin(directoryUsers, eq(directoryUsers.id, heldDeactivations.userId))
    .where(inArray(heldDeactivations.holdId, ids))
    .orderBy(heldDeactivations.userId);
  return rows.map((h) => ({ ...h, users: users.filter((u) => u.holdId === h.id).map(({ holdId: _h, ...u }) => u) }));
}

/**
 * Records the admin's decision on an open hold and queues the hold's workflow, which carries it out:
 * approved deactivations are sent, rejected ones are not. Who decided and why is kept and recorded.
 */
export async function decideHold(tx: Tx, holdId: string, decision: 'approved' | 'rejected', by: string, reason: string | undefined) {
  const hold = await getHold(tx, holdId);
  if (!hold) throw notFound('hold', holdId);
  if (hold.status !== 'open') {
    throw new DomainError('conflict', `Hold ${holdId} was already ${hold.status} by ${hold.decidedBy ?? 'an admin'} on ${hold.decidedAt?.toISOString() ?? '?'}.`);
  }
  const [row] = await tx
    .update(holds)
    .set({ status: decision, decidedAt: new Date(), decidedBy: by, decisionReason: reason ?? null })
    .where(and(eq(holds.id, holdId), eq(holds.status, 'open')))
    .returning();
  await enqueue(tx, 'hold', hold.connectorId, holdId);
  return row!;
}
