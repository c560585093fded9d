import { DirectoryUserFields } from '../../core/directory';
import { newId } from '../../core/ids';
import type { Db } from '../../db/client';
import { directoryUsers, groupMembers, userGroups } from '../../db/schema';

/**
 * Bulk directory data for large tests and benchmarks, written straight to the database (the API would
 * add nothing but time): `count` users `<prefix><n>` in one new group, not yet bound to any connector.
 */
export async function seedUsers(db: Db, opts: { prefix: string; count: number }): Promise<{ groupId: string; userIds: string[] }> {
  const groupId = newId('group');
  await db.insert(userGroups).values({ id: groupId, name: `${opts.prefix} group ${groupId}` });
  const rows = Array.from({ length: opts.count }, (_, i) => ({
    id: newId('user'),
    ...DirectoryUserFields.parse({ username: `${opts.prefix}${i}`, email: `${opts.prefix}${i}@example.com`, firstName: 'Given', lastName: `Family ${i}` }),
  }));
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await db.insert(directoryUsers).values(chunk);
    await db.insert(groupMembers).values(chunk.map((r) => ({ groupId, userId: r.id })));
  }
  return { groupId, userIds: rows.map((r) => r.id) };
}
