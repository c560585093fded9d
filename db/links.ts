import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { type LinkState, userLinks } from './schema';

export type UserLinkRow = typeof userLinks.$inferSelect;

export async function getLink(db: Db, connectorId: string, userId: string): Promise<UserLinkRow | undefined> {
  const [row] = await db.select().from(userLinks).where(and(eq(userLinks.connectorId, connectorId), eq(userLinks.userId, userId)));
  return row;
}

/** Upsert: repeating the same write is harmless (activities may run more than once). */
export async function saveLink(
  db: Db,
  link: { connectorId: string; userId: string; slackId?: string | null; state: LinkState; lastErrorCode?: string | null; lastError?: string | null },
): Promise<void> {
  const values = { slackId: link.slackId ?? null, state: link.state, lastErrorCode: link.lastErrorCode ?? null, lastError: link.lastError ?? null, updatedAt: sql`now()` };
  await db
    .insert(userLinks)
    .values({ connectorId: link.connectorId, userId: link.userId, ...values })
    .onConflictDoUpdate({
      target: [userLinks.connectorId, userLinks.userId],
      // A failure keeps the Slack ID already known: the link is not forgotten because one attempt failed.
      set: link.slackId === undefined ? { ...values, slackId: sql`${userLinks.slackId}` } : values,
    });
}
