import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DirectoryUser, DirectoryUserFields } from '../core/directory';
import { newId } from '../core/ids';
import type { Tx } from './client';
import { directoryUsers, groupMembers, userGroups } from './schema';

export type DirectoryUserRow = typeof directoryUsers.$inferSelect;
export type UserPatch = Partial<DirectoryUserFields>;

export async function createUser(db: Tx, fields: DirectoryUserFields): Promise<DirectoryUserRow> {
  const [row] = await db.insert(directoryUsers).values({ id: newId('user'), ...fields }).returning();
  return row!;
}

/** Any user row, deleted ones included (the sync engine still has to deactivate those in Slack). */
export async function getUser(db: Tx, id: string): Promise<DirectoryUserRow | undefined> {
  const [row] = await db.select().from(directoryUsers).where(eq(directoryUsers.id, id));
  return row;
}

/** A user the directory still has: soft-deleted users are hidden from the admin surfaces. */
export async function findUser(db: Tx, id: string): Promise<DirectoryUserRow | undefined> {
  const [row] = await db
    .select()
    .from(directoryUsers)
    .where(and(eq(directoryUsers.id, id), isNull(directoryUsers.deletedAt)));
  return row;
}

/** Case-insensitive, deleted users included: a deleted user keeps its username (the unique index covers it). */
export async function findUserByUsername(db: Tx, username: string): Promise<DirectoryUserRow | undefined> {
  const [row] = await db
    .select()
    .from(directoryUsers)
    .where(sql`lower(${directoryUsers.username}) = lower(${username})`)
    .limit(1);
  return row;
}

/** Keyset pagination by ID: stable while users are added. */
export async function listUsers(db: Tx, opts: { after?: string; limit: number }): Promise<DirectoryUserRow[]> {
  return db
    .select()
    .from(directoryUsers)
    .where(and(isNull(directoryUsers.deletedAt), opts.after ? gt(directoryUsers.id, opts.after) : undefined))
    .orderBy(asc(directoryUsers.id))
    .limit(opts.limit);
}

/** Changes only the given fields of a user that is not deleted; undefined when there is no such user. */
export async function updateUser(db: Tx, id: string, patch: UserPatch): Promise<DirectoryUserRow | undefined> {
  const [row] = await db
    .update(directoryUsers)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(directoryUsers.id, id), isNull(directoryUsers.deletedAt)))
    .returning();
  return row;
}

/** Soft delete: the row stays (with its memberships and links) so Slack can be told. False when already gone. */
export async function softDeleteUser(db: Tx, id: string): Promise<boolean> {
  const rows = await db
    .update(directoryUsers)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(directoryUsers.id, id), isNull(directoryUsers.deletedAt)))
    .returning({ id: directoryUsers.id });
  return rows.length > 0;
}

/** IDs of the (not deleted) groups the user belongs to. */
export async function userGroupIds(db: Tx, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: groupMembers.groupId })
    .from(groupMembers)
    .innerJoin(userGroups, and(eq(userGroups.id, groupMembers.groupId), isNull(userGroups.deletedAt)))
    .where(eq(groupMembers.userId, userId))
    .orderBy(asc(groupMembers.groupId));
  return rows.map((r) => r.id);
}

/** The row as the mapping sees it (DirectoryUser), without bookkeeping columns. */
export function toDirectoryUser(row: DirectoryUserRow): DirectoryUser {
  const { createdAt: _c, updatedAt: _u, deletedAt: _d, ...user } = row;
  return user;
}
