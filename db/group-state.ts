import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { ACTIVE_LINK_STATES } from '../core/links';
import type { Tx } from './client';
import { connectorGroups, directoryUsers, groupMembers, userGroups, userLinks } from './schema';

export type GroupMemberAccount = { userId: string; username: string; remoteId: string; guest: boolean };

/**
 * What a group's sync needs about one group and one connector, deleted groups included: the group, its
 * binding, and its live members whose accounts are active in the target (deactivated users cannot be
 * group members), with the guest flag (some targets cannot hold guests in groups).
 */
export async function loadGroupForSync(db: Tx, connectorId: string, groupId: string) {
  const [group] = await db.select().from(userGroups).where(eq(userGroups.id, groupId));
  const [binding] = await db
    .select()
    .from(connectorGroups)
    .where(and(eq(connectorGroups.connectorId, connectorId), eq(connectorGroups.groupId, groupId)));
  const members: GroupMemberAccount[] = (
    await db
      .select({ userId: groupMembers.userId, username: directoryUsers.username, remoteId: userLinks.remoteId, guest: directoryUsers.guest })
      .from(groupMembers)
      .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
      .innerJoin(
        userLinks,
        and(eq(userLinks.userId, groupMembers.userId), eq(userLinks.connectorId, connectorId), inArray(userLinks.state, [...ACTIVE_LINK_STATES]), isNotNull(userLinks.remoteId)),
      )
      .where(eq(groupMembers.groupId, groupId))
  ).map((m) => ({ ...m, remoteId: m.remoteId! }));
  return { group, binding, members };
}
