import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { LinkState } from '../core/links';
import type { Tx } from './client';
import { BIND_STATES, directoryUsers, ssoBinds, userLinks } from './schema';

type BindState = (typeof BIND_STATES)[number];

export type UserLinkRow = typeof userLinks.$inferSelect;
/**
 * A link as the admin sees it. `firstLaunch`: for a user Bindery created in the target while SSO was on,
 * their bind window's state — `pending` means "inactive (pending first launch)" in Bindery's view (U1, B2)
 * until they launch Slack from the portal; null for everyone else.
 */
export type LinkView = Omit<UserLinkRow, 'connectorId'> & { username: string; firstLaunch: BindState | null };

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
 * Marks the link "creating" before a POST, only if it is still as the plan saw it (absent, or the same state
 * and remote ID): when another pass linked or began creating the user meanwhile, the plan is stale and the
 * caller plans again instead of racing it.
 */
export async function beginCreation(db: Tx, connectorId: string, userId: string, seen: Pick<UserLinkRow, 'state' | 'remoteId'> | undefined): Promise<boolean> {
  const values = { connectorId, userId, remoteId: null, state: 'creating' as const, lastErrorCode: null, lastError: null, updatedAt: sql`now()` };
  if (!seen) return (await db.insert(userLinks).values(values).onConflictDoNothing().returning({ userId: userLinks.userId })).length > 0;
  const rows = await db
    .update(userLinks)
    .set(values)
    .where(
      and(
        eq(userLinks.connectorId, connectorId),
        eq(userLinks.userId, userId),
        eq(userLinks.state, seen.state),
        seen.remoteId === null ? isNull(userLinks.remoteId) : eq(userLinks.remoteId, seen.remoteId),
      ),
    )
    .returning({ userId: userLinks.userId });
  return rows.length > 0;
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
      firstLaunch: sql<BindState | null>`case when ${ssoBinds.createdInactive} then ${ssoBinds.state} end`,
    })
    .from(userLinks)
    .innerJoin(directoryUsers, eq(directoryUsers.id, userLinks.userId))
    .leftJoin(ssoBinds, and(eq(ssoBinds.connectorId, userLinks.connectorId), eq(ssoBinds.userId, userLinks.userId)))
    .where(and(eq(userLinks.connectorId, connectorId), opts.state ? eq(userLinks.state, opts.state) : undefined, opts.after ? gt(userLinks.userId, opts.after) : undefined))
    .orderBy(asc(userLinks.userId))
    .limit(opts.limit);
}
