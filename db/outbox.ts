import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { SyncKind } from '../core/sync-kinds';
import { authorizations } from './authorization';
import type { Db, Tx } from './client';
import { connectorGroups, connectors, groupMembers, syncIntents, userLinks } from './schema';
import { enqueueBindLooksForGroupMembers, enqueueBindLooksForUser } from './sso-binds';

/**
 * The outbox: "look at this object for this connector", written in the same transaction as the directory
 * change that calls for it (so nothing is lost between the database and Temporal), and delivered by the
 * dispatcher (dispatch/dispatcher.ts). Only connectors with identity management active are queued.
 */

/**
 * Connectors that must look at this user after a change: those that authorize the user, plus those already
 * linked to them (which may have to deactivate them).
 */
function connectorsConcerningUser(tx: Tx, userId: string) {
  const auth = authorizations(tx, { userId }).as('auth');
  return sql`select c.id from ${connectors} c where c.idm_status = 'active' and c.id in (
    select ${auth.connectorId} from ${auth} union select ${userLinks.connectorId} from ${userLinks} where ${userLinks.userId} = ${userId})`;
}

/** Queues "sync this user" for every connector concerned. Returns how many were queued. */
export async function enqueueUser(tx: Tx, userId: string): Promise<number> {
  const rows = await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'user', t.id, ${userId} from (${connectorsConcerningUser(tx, userId)}) t
    returning id`);
  await enqueueBindLooksForUser(tx, userId); // B1: authorization may have moved while SSO is on
  return rowCount(rows);
}

/**
 * A cascade: every member of the group (deleted or not in the directory), for one connector or for every
 * connector the group is actively bound to. Each member's user-sync decides by itself (one rule, one place).
 */
export async function enqueueGroupMembers(tx: Tx, groupId: string, connectorId?: string): Promise<void> {
  const targets = connectorId
    ? sql`select ${connectorId}::text as connector_id`
    : sql`select cg.connector_id from ${connectorGroups} cg where cg.group_id = ${groupId} and cg.unbound_at is null`;
  await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'user', t.connector_id, gm.user_id
    from ${groupMembers} gm, (${targets}) t, ${connectors} c
    where gm.group_id = ${groupId} and c.id = t.connector_id and c.idm_status = 'active'`);
  await enqueueBindLooksForGroupMembers(tx, groupId, connectorId); // B1: the members' authorization moved while SSO may be on
}

/** Every user the connector authorizes or is linked to (after activation, re-authentication or a plan change). */
export async function enqueueConnectorUsers(tx: Tx, connectorId: string): Promise<void> {
  const auth = authorizations(tx, { connectorId }).as('auth');
  await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'user', ${connectorId}, u.user_id from (
      select ${auth.userId} as user_id from ${auth}
      union select ${userLinks.userId} from ${userLinks} where ${userLinks.connectorId} = ${connectorId}
    ) u`);
}

export async function enqueue(tx: Tx, kind: SyncKind, connectorId: string, objectId: string): Promise<void> {
  await tx.insert(syncIntents).values({ kind, connectorId, objectId });
}

export async function enqueueMany(tx: Tx, kind: SyncKind, connectorId: string, objectIds: readonly string[]): Promise<void> {
  if (objectIds.length > 0) await tx.insert(syncIntents).values(objectIds.map((objectId) => ({ kind, connectorId, objectId })));
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

export async function pendingIntents(db: Db, connectorId?: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(syncIntents)
    .where(and(connectorId ? eq(syncIntents.connectorId, connectorId) : undefined));
  return row?.n ?? 0;
}

/** postgres-js answers with an array of rows, PGlite with `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

function rowCount(result: unknown): number {
  return rowsOf(result).length;
}
