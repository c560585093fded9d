import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from './client';
import { connectorGroups, connectors, groupMembers, type IntentKind, syncIntents, userGroups, userLinks } from './schema';

/** A transaction or the database itself: outbox writes join the caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/**
 * Connectors that must look at this user after a change: the active connectors a bound group
 * authorizes the user for, plus those already linked to them (which may have to deactivate them).
 */
export async function connectorsConcerningUser(tx: Tx, userId: string): Promise<string[]> {
  const viaGroups = tx
    .selectDistinct({ id: connectorGroups.connectorId })
    .from(groupMembers)
    .innerJoin(connectorGroups, and(eq(connectorGroups.groupId, groupMembers.groupId), isNull(connectorGroups.unboundAt)))
    .innerJoin(userGroups, and(eq(userGroups.id, groupMembers.groupId), isNull(userGroups.deletedAt)))
    .where(eq(groupMembers.userId, userId));
  const viaLinks = tx.selectDistinct({ id: userLinks.connectorId }).from(userLinks).where(eq(userLinks.userId, userId));
  const rows = await tx
    .select({ id: connectors.id })
    .from(connectors)
    .where(and(eq(connectors.idmStatus, 'active'), sql`${connectors.id} in (${viaGroups} union ${viaLinks})`));
  return rows.map((r) => r.id);
}

/** Queues "sync this user" for every connector concerned. Call inside the change's transaction. */
export async function enqueueUser(tx: Tx, userId: string): Promise<number> {
  const ids = await connectorsConcerningUser(tx, userId);
  if (ids.length > 0) await tx.insert(syncIntents).values(ids.map((connectorId) => ({ kind: 'user' as const, connectorId, objectId: userId })));
  return ids.length;
}

/** Queues every member of a group for one connector, or for every active connector it is bound to. */
export async function enqueueGroupMembers(tx: Tx, groupId: string, connectorId?: string): Promise<void> {
  const targets = connectorId
    ? sql`select ${connectorId}::text as connector_id`
    : sql`select cg.connector_id from ${connectorGroups} cg where cg.group_id = ${groupId} and cg.unbound_at is null`;
  await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'user', t.connector_id, gm.user_id
    from ${groupMembers} gm, (${targets}) t, ${connectors} c
    where gm.group_id = ${groupId} and c.id = t.connector_id and c.idm_status = 'active'`);
}

/** Queues every user a connector is concerned with (after activation or re-authentication). */
export async function enqueueConnectorUsers(tx: Tx, connectorId: string): Promise<void> {
  await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'user', ${connectorId}, u.user_id from (
      select gm.user_id from ${groupMembers} gm join ${connectorGroups} cg on cg.group_id = gm.group_id where cg.connector_id = ${connectorId} and cg.unbound_at is null
      union select l.user_id from ${userLinks} l where l.connector_id = ${connectorId}
    ) u`);
}

export async function enqueue(tx: Tx, kind: IntentKind, connectorId: string, objectId: string): Promise<void> {
  await tx.insert(syncIntents).values({ kind, connectorId, objectId });
}

export type Intent = typeof syncIntents.$inferSelect;

/**
 * Claims up to `limit` due intents for `leaseSeconds` (SKIP LOCKED, so several dispatchers can run; the
 * lock is held only while claiming, never while Temporal is called). An intent whose dispatcher dies is
 * claimed again when its lease ends: delivery is at least once, and a repeated signal is harmless.
 */
export async function claimIntents(db: Db, limit: number, leaseSeconds = 30): Promise<Intent[]> {
  const due = db
    .select({ id: syncIntents.id })
    .from(syncIntents)
    .where(lte(syncIntents.availableAt, sql`now()`))
    .orderBy(asc(syncIntents.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(syncIntents)
    .set({ availableAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(inArray(syncIntents.id, due))
    .returning();
}

export async function completeIntents(db: Db, ids: number[]): Promise<void> {
  if (ids.length > 0) await db.delete(syncIntents).where(inArray(syncIntents.id, ids));
}

/** Leaves failed intents for a later try, after `retryInSeconds`. */
export async function failIntents(db: Db, ids: number[], error: string, retryInSeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(syncIntents)
    .set({ attempts: sql`${syncIntents.attempts} + 1`, lastError: error.slice(0, 500), availableAt: sql`now() + make_interval(secs => ${retryInSeconds})` })
    .where(inArray(syncIntents.id, ids));
}

export async function pendingIntents(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(syncIntents);
  return row?.n ?? 0;
}
