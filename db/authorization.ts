import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Tx } from './client';
import { connectorGroups, directoryUsers, groupMembers, userGroups } from './schema';

/**
 * The one definition of "authorized" (D2: users are implicitly denied): a user is authorized for a
 * connector through a membership of a live (not deleted) group actively bound (not unbound) to it, and
 * only while the user is not deleted. Every query that asks which users a connector authorizes, which
 * connectors authorize a user, or through which groups, is built from `authorizations` below, so a dry
 * run, a circuit breaker and real-time sync can never count differently.
 */
export type AuthorizationFilter = { connectorId?: string | SQL; userId?: string | SQL; groupId?: string | SQL };

/** Rows (connectorId, groupId, userId): one per authorizing membership, filtered as asked. */
export function authorizations(tx: Tx, filter: AuthorizationFilter = {}) {
  const is = (column: Parameters<typeof eq>[0], value: string | SQL | undefined) => (value === undefined ? undefined : eq(column, value));
  return tx
    .select({ connectorId: connectorGroups.connectorId, groupId: groupMembers.groupId, userId: groupMembers.userId })
    .from(groupMembers)
    .innerJoin(userGroups, and(eq(userGroups.id, groupMembers.groupId), isNull(userGroups.deletedAt)))
    .innerJoin(connectorGroups, and(eq(connectorGroups.groupId, groupMembers.groupId), isNull(connectorGroups.unboundAt)))
    .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
    .where(and(is(connectorGroups.connectorId, filter.connectorId), is(groupMembers.userId, filter.userId), is(groupMembers.groupId, filter.groupId)));
}

/** Whether the connector authorizes the user. */
export async function isAuthorized(tx: Tx, connectorId: string, userId: string): Promise<boolean> {
  const rows = await authorizations(tx, { connectorId, userId }).limit(1);
  return rows.length > 0;
}

/** Of these users, those the connector authorizes (one query for any number). */
export async function authorizedAmong(tx: Tx, connectorId: string, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const auth = authorizations(tx, { connectorId }).as('auth');
  const rows = await tx
    .selectDistinct({ userId: auth.userId })
    .from(auth)
    .where(sql`${auth.userId} = any(${sql.param([...userIds])}::text[])`);
  return new Set(rows.map((r) => r.userId));
}

/** The user's groups that authorize them for the connector: the groups to sync again when the user comes or goes. */
export async function authorizingGroups(tx: Tx, connectorId: string, userId: string): Promise<string[]> {
  const auth = authorizations(tx, { connectorId, userId }).as('auth');
  const rows = await tx.selectDistinct({ groupId: auth.groupId }).from(auth).orderBy(auth.groupId);
  return rows.map((r) => r.groupId);
}

/** Connectors that authorize the user. */
export async function authorizingConnectors(tx: Tx, userId: string): Promise<string[]> {
  const auth = authorizations(tx, { userId }).as('auth');
  const rows = await tx.selectDistinct({ connectorId: auth.connectorId }).from(auth).orderBy(auth.connectorId);
  return rows.map((r) => r.connectorId);
}

/** How many users the connector authorizes. */
export async function countAuthorized(tx: Tx, connectorId: string): Promise<number> {
  const auth = authorizations(tx, { connectorId }).as('auth');
  const [row] = await tx.select({ n: sql<number>`count(distinct ${auth.userId})::int` }).from(auth);
  return row?.n ?? 0;
}
