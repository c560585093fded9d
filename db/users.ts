import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { DirectoryUser, DirectoryUserFields } from '../core/directory';
import { newId } from '../core/ids';
import type { Db } from './client';
import { directoryUsers } from './schema';

export type DirectoryUserRow = typeof directoryUsers.$inferSelect;

export async function createUser(db: Db, fields: DirectoryUserFields): Promise<DirectoryUserRow> {
  const [row] = await db.insert(directoryUsers).values({ id: newId('user'), ...fields }).returning();
  return row!;
}

export async function getUser(db: Db, id: string): Promise<DirectoryUserRow | undefined> {
  const [row] = await db.select().from(directoryUsers).where(eq(directoryUsers.id, id));
  return row;
}

/** Keyset pagination by ID: stable while users are added. */
export async function listUsers(db: Db, opts: { after?: string; limit: number }): Promise<DirectoryUserRow[]> {
  return db
    .select()
    .from(directoryUsers)
    .where(and(isNull(directoryUsers.deletedAt), opts.after ? gt(directoryUsers.id, opts.after) : undefined))
    .orderBy(asc(directoryUsers.id))
    .limit(opts.limit);
}

/** The row as the mapping sees it (DirectoryUser), without bookkeeping columns. */
export function toDirectoryUser(row: DirectoryUserRow): DirectoryUser {
  const { createdAt: _c, updatedAt: _u, deletedAt: _d, ...user } = row;
  return user;
}
