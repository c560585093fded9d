import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from './outbox';
import { connectorGroups, groupMembers, userGroups } from './schema';

/** D2: a user is authorized for a connector only through a live group actively bound to it. */
export async function isAuthorized(tx: Tx, connectorId: string, userId: string): Promise<boolean> {
  const [row] = await tx
    .select({ one: sql<number>`1` })
    .from(groupMembers)
    .innerJoin(userGroups, and(eq(userGroups.id, groupMembers.groupId), isNull(userGroups.deletedAt)))
    .innerJoin(connectorGroups, and(eq(connectorGroups.groupId, groupMembers.groupId), eq(connectorGroups.connectorId, connectorId), isNull(connectorGroups.unboundAt)))
    .where(eq(groupMembers.userId, userId))
    .limit(1);
  return row !== undefined;
}
