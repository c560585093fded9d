import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Tx } from './outbox';
import { connectorGroups, directoryUsers, groupMembers, userGroups, userLinks } from './schema';

/** What the group-sync activity needs about one group and one connector, deleted groups included. */
export async function loadGroupForSync(db: Tx, connectorId: string, groupId: string) {
  const [group] = await db.select().from(userGroups).where(eq(userGroups.id, groupId));
  const [binding] = await db
    .select()
    .from(connectorGroups)
    .where(and(eq(connectorGroups.connectorId, connectorId), eq(connectorGroups.groupId, groupId)));
  // Members that are in Slack and active for this connector: deactivated users cannot be group members.
  const members = await db
    .select({ slackId: userLinks.slackId })
    .from(groupMembers)
    .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
    .innerJoin(userLinks, and(eq(userLinks.userId, groupMembers.userId), eq(userLinks.connectorId, connectorId), eq(userLinks.state, 'active'), isNotNull(userLinks.slackId)))
    .where(eq(groupMembers.groupId, groupId));
  return { group, binding, memberSlackIds: members.map((m) => m.slackId!) };
}

/** The user's live groups actively bound to the connector: the groups to re-sync when the user changes state in Slack. */
export async function boundGroupsOfUser(db: Tx, connectorId: string, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: groupMembers.groupId })
    .from(groupMembers)
    .innerJoin(userGroups, and(eq(userGroups.id, groupMembers.groupId), isNull(userGroups.deletedAt)))
    .innerJoin(connectorGroups, and(eq(connectorGroups.groupId, groupMembers.groupId), eq(connectorGroups.connectorId, connectorId), isNull(connectorGroups.unboundAt)))
    .where(eq(groupMembers.userId, userId));
  return rows.map((r) => r.id);
}
