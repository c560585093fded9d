import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { LinkState } from '../core/links';
import type { Tx } from './client';
import { directoryUsers, userLinks } from './schema';

export type UserLinkRow = typeof userLinks.$inferSelect;
export type LinkView = Omit<UserLinkRow, 'connectorId'> & { username: string };

export async function getLink(db: Tx, connectorId: string, userId: string): Promise<UserLinkRow | undefined> {
  const [row] = await db.select().from(userLinks).where(and(eq(userLinks.connectorId, connectorId), eq(userLinks.userId, userId)));
  return row;
}

/** The links of these users on one connector, by user ID (one query for any number). */
export async function getLinks(db: Tx, connectorId: string, userIds: readonly string[]): Promise<Map<string, UserLinkRow>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(userLinks)
    .where(and(eq(userLinks.connectorId, connectorId), inArray(userLinks.userId, [...userIds])));
  return new Map(rows.map((r) => [r.userId, r]));
}

/** Upsert: repeating the same write is harmless (activities may run more than once). */
export async function saveLink(
  db: Tx,
  link: { connectorId: string; userId: string; remoteId?: string | null; state: LinkState; lastErrorCode?: string | null; lastError?: string | null },
): Promise<void> {
  const values = { remoteId: link.remoteId ?? null, state: link.state, lastErrorCode: link.lastErrorCode ?? null, lastError: link.lastError ?? null, updatedAt: sql`now()` };
  await db
    .insert(userLinks)
    .values({ connectorId: link.connectorId, userId: link.userId, ...values })
    .onConflictDoUpdate({
      target: [userLinks.connectorId, userLinks.userId],
      // A failure keeps the Slack ID already known: the link is not forgotten because one attempt failed.
      set: link.remoteId === undefined ? { ...values, remoteId: sql`${userLinks.remoteId}` } : values,
    });
}

/**
 * "creating" → "active", only if the link still says "creating": of two attempts for one user (Temporal
 * retries an attempt it lost contact with while the first may still be running), exactly one wins and
 * records the creation.
 */
export async function completeCreation(db: Tx, connectorId: string, userId: string, remoteId: string): Promise<boolean> {
  const rows = await db
    .update(userLinks)
    .set({ remoteId, state: 'active', lastErrorCode: null, lastError: null, updatedAt: sql`now()` })
    .where(and(eq(userLinks.connectorId, connectorId), eq(userLinks.userId, userId), eq(userLinks.state, 'creating')))
    .returning({ userId: userLinks.userId });
  return rows.length > 0;
}

/** A connector's links, keyset-paginated by user ID; `state: 'stuck'` is the quarantine list. */
export async function listLinks(db: Tx, connectorId: string, opts: { state?: LinkState; after?: string; limit: number }): Promise<LinkView[]> {
  return db
    .select({
      userId: userLinks.userId,
      username: directoryUsers.username,
      remoteId: userLinks.remoteId,
      state: userLinks.state,
      lastErrorCode: userLinks.lastErrorCode,
      lastError: userLinks.lastError,
      updatedAt: userLinks.updatedAt,
    })
    .from(userLinks)
    .innerJoin(directoryUsers, eq(directoryUsers.id, userLinks.userId))
    .where(and(eq(userLinks.connectorId, connectorId), opts.state ? eq(userLinks.state, opts.state) : undefined, opts.after ? gt(userLinks.userId, opts.after) : undefined))
    .orderBy(asc(userLinks.userId))
    .limit(opts.limit);
}
