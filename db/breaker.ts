import { and, count, eq, gte, isNotNull, sql } from 'drizzle-orm';
import { newId } from '../core/ids';
import type { Tx } from './client';
import type { ConnectorRow } from './connectors';
import { deactivationClaims, heldDeactivations, holds, userLinks } from './schema';

/**
 * The circuit breaker (S4): nothing Bindery does — a resync, a cascade, a new group set — may deactivate
 * more than a threshold of a connector's linked users within a window without an admin's approval. Every
 * deactivation claims a place in the window first, under the connector's lock, so concurrent workflows
 * count together; past the threshold, deactivations are held (nothing is sent) in one open hold per connector.
 */

export type Claim = { decision: 'go' } | { decision: 'held'; holdId: string; newHold: boolean } | { decision: 'rejected'; holdId: string };

/** The most deactivations the window allows: more than `percent` of linked users AND at least `minUsers` trips it. */
export function allowedDeactivations(linked: number, settings: Pick<ConnectorRow, 'breakerPercent' | 'breakerMinUsers'>): number {
  return Math.max(Math.floor((settings.breakerPercent * linked) / 100), settings.breakerMinUsers - 1);
}

export async function claimDeactivation(tx: Tx, connector: ConnectorRow, userId: string, reason: string): Promise<Claim> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`bindery:breaker:${connector.id}`}))`);
  const [held] = await tx
    .select({ holdId: heldDeactivations.holdId, status: holds.status })
    .from(heldDeactivations)
    .innerJoin(holds, eq(holds.id, heldDeactivations.holdId))
    .where(and(eq(heldDeactivations.connectorId, connector.id), eq(heldDeactivations.userId, userId)));
  if (held?.status === 'rejected') return { decision: 'rejected', holdId: held.holdId };
  if (held?.status === 'open') return { decision: 'held', holdId: held.holdId, newHold: false };
  if (held?.status === 'approved') {
    // The admin approved this one: it goes, and counts in the window like any other.
    await tx.delete(heldDeactivations).where(and(eq(heldDeactivations.connectorId, connector.id), eq(heldDeactivations.userId, userId)));
    await tx.insert(deactivationClaims).values({ connectorId: connector.id, userId });
    return { decision: 'go' };
  }
  if (connector.breakerEnabled) {
    const [{ n: linked } = { n: 0 }] = await tx.select({ n: count() }).from(userLinks).where(and(eq(userLinks.connectorId, connector.id), isNotNull(userLinks.remoteId)));
    const since = sql`now() - make_interval(mins => ${connector.breakerWindowMinutes})`;
    const [{ n: claimed } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(deactivationClaims)
      .where(and(eq(deactivationClaims.connectorId, connector.id), gte(deactivationClaims.at, since)));
    if (claimed + 1 > allowedDeactivations(linked, connector)) {
      const [open] = await tx.select({ id: holds.id }).from(holds).where(and(eq(holds.connectorId, connector.id), eq(holds.status, 'open'))).limit(1);
      const holdId = open?.id ?? newId('hold');
      if (!open) {
        const limit = allowedDeactivations(linked, connector);
        await tx.insert(holds).values({
          id: holdId,
          connectorId: connector.id,
          reason: `More than ${limit} of ${linked} linked users (${connector.breakerPercent}%, at least ${connector.breakerMinUsers}) would be deactivated within ${connector.breakerWindowMinutes} minutes.`,
        });
      }
      await tx.insert(heldDeactivations).values({ connectorId: connector.id, userId, holdId, reason });
      return { decision: 'held', holdId, newHold: !open };
    }
  }
  await tx.insert(deactivationClaims).values({ connectorId: connector.id, userId });
  return { decision: 'go' };
}

/** A user who should be active again no longer has a deactivation waiting or refused. */
export async function clearHeld(tx: Tx, connectorId: string, userId: string): Promise<void> {
  await tx.delete(heldDeactivations).where(and(eq(heldDeactivations.connectorId, connectorId), eq(heldDeactivations.userId, userId)));
}

export type HoldRow = typeof holds.$inferSelect;

export async function getHold(tx: Tx, holdId: string): Promise<HoldRow | undefined> {
  const [row] = await tx.select().from(holds).where(eq(holds.id, holdId));
  return row;
}

/** The users a hold holds. */
export async function heldUsers(tx: Tx, holdId: string): Promise<Array<{ userId: string; reason: string; heldAt: Date }>> {
  return tx.select({ userId: heldDeactivations.userId, reason: heldDeactivations.reason, heldAt: heldDeactivations.heldAt }).from(heldDeactivations).where(eq(heldDeactivations.holdId, holdId)).orderBy(heldDeactivations.userId);
}

export async function countHeld(tx: Tx, holdId: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(heldDeactivations).where(eq(heldDeactivations.holdId, holdId));
  return row?.n ?? 0;
}
