import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import { newId } from '../core/ids';
import type { Tx } from './client';
import { directoryUsers, groupMembers, userGroups } from './schema';

export type GroupRow = typeof userGroups.$inferSelect;
export type GroupSummary = Pick<GroupRow, 'id' | 'name' | 'createdAt' | 'updatedAt'> & { memberCount: number };

/**
 * Serializes writers of one group name until the transaction ends, so two concurrent creates or renames
 * cannot both pass the uniqueness check (names are unique among live groups, which no index expresses).
 */
export async function lockGroupName(tx: Tx, name: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`bindery:group-name:${name.toLowerCase()}`}))`);
}

/** A live group with this name, case-insensitive. */
export async function findGroupByName(db: Tx, name: string): Promise<GroupRow | undefined> {
  const [row] = await db
    .select()
    .from(userGroups)
    .where(and(isNull(userGroups.deletedAt), sql`lower(${userGroups.name}) = lower(${name})`))
    .limit(1);
  return row;
}

export async function createGroup(db: Tx, name: string): Promise<GroupRow> {
  const [row] = await db.insert(userGroups).values({ id: newId('group'), name }).returning();
  return row!;
}

/** A group that is not deleted. */
export async function getGroup(db: Tx, id: string): Promise<GroupRow | undefined> {
  const [row] = await db
    .select()
    .from(userGroups)
    .where(and(eq(userGroups.id, id), isNull(userGroups.deletedAt)));
  return row;
}

/** Live groups, keyset-paginated by ID, with the number of live members. */
export async function listGroups(db: Tx, opts: { after?: string; limit: number }): Promise<GroupSummary[]> {
  const memberCount = sql<number>`(
    select count(*)::int from ${groupMembers} gm join ${directoryUsers} u on u.id = gm.user_id
    where gm.group_id = "user_groups"."id" and u.deleted_at is null)`;
  return db
    .select({ id: userGroups.id, name: userGroups.name, createdAt: userGroups.createdAt, updatedAt: userGroups.updatedAt, memberCount })
    .from(userGroups)
    .where(and(isNull(userGroups.deletedAt), opts.after ? gt(userGroups.id, opts.after) : undefined))
    .orderBy(asc(userGroups.id))
    .limit(opts.limit);
}

export async function renameGroup(db: Tx, id: string, name: string): Promise<GroupRow | undefined> {
  const [row] = await db
    .update(userGroups)
    .set({ name, updatedAt: sql`now()` })
    .where(and(eq(userGroups.id, id), isNull(userGroups.deletedAt)))
    .returning();
  return row;
}

/** Soft delete: the row, its memberships and bindings stay, so Slack can be told (G2). */
export async function softDeleteGroup(db: Tx, id: string): Promise<boolean> {
  const rows = await db
    .update(userGroups)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(userGroups.id, id), isNull(userGroups.deletedAt)))
    .returning({ id: userGroups.id });
  return rows.length > 0;
}

/** True when the membership is new (adding an existing member changes nothing). */
export async function addMember(db: Tx, groupId: string, userId: string): Promise<boolean> {
  const rows = await db.insert(groupMembers).values({ groupId, userId }).onConflictDoNothing().returning({ userId: groupMembers.userId });
  return rows.length > 0;
}

/** True when there was such a membership. */
export async function removeMember(db: Tx, groupId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(groupMembers)
    .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.userId, userId)))
    .returning({ userId: groupMembers.userId });
  return rows.length > 0;
}

/** IDs of the group's members that are not deleted. */
export async function groupMemberIds(db: Tx, groupId: string): Promise<string[]> {
  const rows = await db
    .select({ id: groupMembers.userId })
    .from(groupMembers)
    .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
    .where(eq(groupMembers.groupId, groupId))
    .orderBy(asc(groupMembers.userId));
  return rows.map((r) => r.id);
}

/** A group, deleted or not (a deleted group's cascade can still be looked at). */
export async function getGroupIncludingDeleted(db: Tx, id: string): Promise<GroupRow | undefined> {
  const [row] = await db.select().from(userGroups).where(eq(userGroups.id, id));
  return row;
}
