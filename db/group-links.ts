import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { GroupLinkState, GroupProgressCounts, LinkState } from '../core/links';

export type { GroupProgressCounts } from '../core/links';
import type { Tx } from './client';
import { directoryUsers, groupLinks, groupMembers, syncIntents, userLinks } from './schema';

export type GroupLinkRow = typeof groupLinks.$inferSelect;

export async function getGroupLink(db: Tx, connectorId: string, groupId: string): Promise<GroupLinkRow | undefined> {
  const [row] = await db
    .select()
    .from(groupLinks)
    .where(and(eq(groupLinks.connectorId, connectorId), eq(groupLinks.groupId, groupId)));
  return row;
}

/**
 * Upsert: repeating the same write is harmless (activities may run more than once). Like saveLink, an
 * omitted `remoteGroupId` keeps the one already known (a failure does not forget the Slack group), and an
 * omitted `memberCount` keeps the last count; the error fields are cleared unless given.
 */
export async function saveGroupLink(
  db: Tx,
  link: {
    connectorId: string;
    groupId: string;
    remoteGroupId?: string | null;
    state: GroupLinkState;
    memberCount?: number;
    membersLeftOut?: number;
    lastErrorCode?: string | null;
    lastError?: string | null;
  },
): Promise<void> {
  const values = {
    remoteGroupId: link.remoteGroupId ?? null,
    state: link.state,
    memberCount: link.memberCount ?? 0,
    membersLeftOut: link.membersLeftOut ?? 0,
    lastErrorCode: link.lastErrorCode ?? null,
    lastError: link.lastError ?? null,
    updatedAt: sql`now()`,
  };
  await db
    .insert(groupLinks)
    .values({ connectorId: link.connectorId, groupId: link.groupId, ...values })
    .onConflictDoUpdate({
      target: [groupLinks.connectorId, groupLinks.groupId],
      set: {
        ...values,
        remoteGroupId: link.remoteGroupId === undefined ? sql`${groupLinks.remoteGroupId}` : values.remoteGroupId,
        memberCount: link.memberCount === undefined ? sql`${groupLinks.memberCount}` : values.memberCount,
        membersLeftOut: link.membersLeftOut === undefined ? sql`${groupLinks.membersLeftOut}` : values.membersLeftOut,
      },
    });
}

/** A connector's group links, by group ID. */
export async function listGroupLinks(db: Tx, connectorId: string): Promise<GroupLinkRow[]> {
  return db.select().from(groupLinks).where(eq(groupLinks.connectorId, connectorId)).orderBy(asc(groupLinks.groupId));
}

/**
 * Group management turned off (G6), or the group unbound (G3): syncing stops and Slack keeps the group as
 * it is. Marks the connector's group links (or one group's) `disabled`; a group already deleted in Slack
 * stays `deleted`. Returns how many links changed.
 */
export async function disableGroupLinks(db: Tx, connectorId: string, groupId?: string): Promise<number> {
  const rows = await db
    .update(groupLinks)
    .set({ state: 'disabled', updatedAt: sql`now()` })
    .where(
      and(
        eq(groupLinks.connectorId, connectorId),
        groupId === undefined ? undefined : eq(groupLinks.groupId, groupId),
        ne(groupLinks.state, 'disabled'),
        ne(groupLinks.state, 'deleted'),
      ),
    )
    .returning({ groupId: groupLinks.groupId });
  return rows.length;
}

/** What an admin sees of a group link. */
export type GroupLinkView = Pick<GroupLinkRow, 'state' | 'remoteGroupId' | 'memberCount' | 'membersLeftOut' | 'lastErrorCode' | 'lastError'> & { updatedAt: Date | null };

/**
 * The state shown for a group on a connector: `disabled` while group management is off or the group is
 * unbound (whatever was last recorded), `pending` until the group-sync has recorded anything, and `pending`
 * too for a link left `disabled` once the group is managed again (its sync has been queued).
 */
export function groupLinkView(row: GroupLinkRow | undefined, opts: { groupManagement: boolean; bound: boolean }): GroupLinkView {
  const recorded = row?.state ?? 'pending';
  const state: GroupLinkState = !opts.groupManagement || !opts.bound ? (recorded === 'deleted' ? 'deleted' : 'disabled') : recorded === 'disabled' ? 'pending' : recorded;
  return {
    state,
    remoteGroupId: row?.remoteGroupId ?? null,
    memberCount: row?.memberCount ?? 0,
    membersLeftOut: row?.membersLeftOut ?? 0,
    lastErrorCode: row?.lastErrorCode ?? null,
    lastError: row?.lastError ?? null,
    updatedAt: row?.updatedAt ?? null,
  };
}


/** How far a group's cascade has come on one connector, from the members' links and the outbox. */
export async function groupProgress(db: Tx, connectorId: string, groupId: string): Promise<GroupProgressCounts> {
  const members = db
    .select({ userId: groupMembers.userId })
    .from(groupMembers)
    .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
    .where(eq(groupMembers.groupId, groupId))
    .as('m');
  const byState = await db
    .select({ state: userLinks.state, n: sql<number>`count(*)::int` })
    .from(members)
    .leftJoin(userLinks, and(eq(userLinks.connectorId, connectorId), eq(userLinks.userId, members.userId)))
    .groupBy(userLinks.state);
  const count = (...states: Array<LinkState | null>) => byState.filter((r) => states.includes(r.state)).reduce((sum, r) => sum + r.n, 0);
  const [intents] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(syncIntents)
    .where(
      and(
        eq(syncIntents.connectorId, connectorId),
        sql`((${syncIntents.kind} = 'group' and ${syncIntents.objectId} = ${groupId}) or (${syncIntents.kind} = 'user' and ${syncIntents.objectId} in (
          select gm.user_id from ${groupMembers} gm join ${directoryUsers} u on u.id = gm.user_id and u.deleted_at is null where gm.group_id = ${groupId})))`,
      ),
    );
  return {
    members: byState.reduce((sum, r) => sum + r.n, 0),
    pendingIntents: intents?.n ?? 0,
    usersActive: count('active'),
    usersDeactivated: count('deactivated'),
    usersFailed: count('failed'),
    usersStuck: count('stuck'),
    usersNeedAction: count('needs_action'),
    usersImported: count('imported'),
    usersHeld: count('held'),
    usersPending: count('pending', 'creating'),
    usersNotLinked: count(null),
  };
}
