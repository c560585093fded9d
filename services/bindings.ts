import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { ACTIVE_LINK_STATES, type LinkState } from '../core/links';
import { bindGroup as insertBinding, boundConnectorIds, getBinding, listBindings, lockGroupBindings, toBindingView, unbindGroup as markUnbound, type BindingView } from '../db/bindings';
import type { Tx } from '../db/client';
import { disableGroupLinks, getGroupLink, groupLinkView, groupProgress, type GroupLinkView, listGroupLinks } from '../db/group-links';
import { getGroupIncludingDeleted } from '../db/groups';
import { listLinks } from '../db/links';
import { enqueue, enqueueGroupMembers } from '../db/outbox';
import { directoryUsers, groupMembers, userLinks } from '../db/schema';
import { DomainError, notFound, type WithWarnings, withWarnings } from './context';
import { requireConnector } from './connectors';
import { requireGroup } from './groups';

/**
 * Binding a group to a connector authorizes its members there (D2). Unbinding stops the group's syncing
 * (the target keeps it as it is) and deactivates its members unless another bound group authorizes them
 * (G3). With group management on it is a one-way door: a group removed from a connector cannot be bound
 * to it again (G4). One group bound to two connectors needs an explicit, recorded override (G5).
 */
export async function bindGroup(tx: Tx, connectorId: string, groupId: string, override?: string): Promise<{ created: boolean; binding: WithWarnings<BindingView> }> {
  const connector = await requireConnector(tx, connectorId);
  const group = await requireGroup(tx, groupId);
  await lockGroupBindings(tx, group.id);
  const existing = await getBinding(tx, connector.id, group.id);
  if (existing && existing.unboundAt === null) return { created: false, binding: toBindingView(existing, group.name) };
  if (existing && existing.unboundWhileManaged && connector.groupManagement) {
    throw new DomainError(
      'conflict',
      `Group "${group.name}" was unbound from connector "${connector.label}" on ${existing.unboundAt!.toISOString()} while group management was on. Bindery left the group in the target as it was, but stopped managing it; many targets (Slack among them) disable a group their identity provider stops managing, and SCIM has no way to enable a disabled group again, so binding it again is refused rather than failing later.`,
      {
        api: `Create a new group with these members and bind that one, or turn group management off for this connector (PATCH /v1/connectors/${connector.id}/idm {"groupManagement": false}) to manage its users only.`,
        cli: `Create a new group with these members and bind that one, or turn group management off for this connector (\`bindery connector idm-update ${connector.id} --group-management off\`) to manage its users only.`,
      },
      { unboundAt: existing.unboundAt },
    );
  }
  const others = await boundConnectorIds(tx, group.id, { except: connector.id });
  if (others.length > 0 && !override) {
    throw new DomainError(
      'conflict',
      `Group "${group.name}" is already bound to connector ${others.join(', ')}. One group bound to two connectors is refused: removing it from one of them would deactivate its members there.`,
      { api: 'Bind a separate group, or repeat the request with an override reason ({"override": "<why>"}) to bind it anyway.', cli: 'Bind a separate group, or repeat the command with --override "<why>" to bind it anyway.' },
      { boundTo: others },
    );
  }
  const binding = await insertBinding(tx, connector.id, group.id, others.length > 0 ? override! : null);
  await enqueueGroupMembers(tx, group.id, connector.id);
  if (connector.idmStatus === 'active') await enqueue(tx, 'group', connector.id, group.id);
  const warnings =
    others.length > 0
      ? [{ code: 'bound_twice', message: `Group "${group.name}" is now bound to ${others.length + 1} connectors (${[...others, connector.id].join(', ')}). Removing it from one of them will deactivate its members there.`, connectorIds: [...others, connector.id] }]
      : [];
  return { created: !existing, binding: withWarnings(toBindingView(binding, group.name), warnings) };
}

/** What unbinding will do, for a confirmation: the members it may deactivate and whether it can be undone. */
export async function unbindImpact(tx: Tx, connectorId: string, groupId: string) {
  const connector = await requireConnector(tx, connectorId);
  const group = await requireGroup(tx, groupId);
  const binding = await getBinding(tx, connector.id, group.id);
  if (!binding || binding.unboundAt !== null) throw new DomainError('not_found', `Group ${group.id} is not bound to connector ${connector.id}`);
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(groupMembers)
    .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
    .where(eq(groupMembers.groupId, group.id));
  return { connectorId, groupId, groupName: group.name, members: row?.n ?? 0, oneWay: connector.groupManagement && connector.idmStatus === 'active' };
}

export async function unbindGroup(tx: Tx, connectorId: string, groupId: string): Promise<void> {
  const connector = await requireConnector(tx, connectorId);
  const group = await requireGroup(tx, groupId);
  await lockGroupBindings(tx, group.id);
  // Only a group its target managed can have been disabled there (G4); an inactive connector sent nothing.
  if (await markUnbound(tx, connector.id, group.id, connector.groupManagement && connector.idmStatus === 'active')) {
    // G3: syncing of the group stops; the target keeps it as it is. Its members are looked at again.
    await disableGroupLinks(tx, connector.id, group.id);
    await enqueueGroupMembers(tx, group.id, connector.id);
  } else if (!(await getBinding(tx, connector.id, group.id))) {
    throw new DomainError('not_found', `Group ${group.id} is not bound to connector ${connector.id}`);
  }
}

/**
 * How many of a group's members the target's group holds now, for a group Bindery no longer syncs
 * (unbound, or group management off): the target keeps such a group as it is, but takes deactivated users
 * out of every group (Slack does), so its members are those of the group still active there.
 */
async function activeMemberCounts(tx: Tx, connectorId: string, groupIds: string[]): Promise<Map<string, number>> {
  if (groupIds.length === 0) return new Map();
  const rows = await tx
    .select({ groupId: groupMembers.groupId, n: sql<number>`count(*)::int` })
    .from(groupMembers)
    .innerJoin(directoryUsers, and(eq(directoryUsers.id, groupMembers.userId), isNull(directoryUsers.deletedAt)))
    .innerJoin(userLinks, and(eq(userLinks.userId, groupMembers.userId), eq(userLinks.connectorId, connectorId), inArray(userLinks.state, [...ACTIVE_LINK_STATES])))
    .where(inArray(groupMembers.groupId, groupIds))
    .groupBy(groupMembers.groupId);
  return new Map(rows.map((r) => [r.groupId, r.n]));
}

/** The connector's bindings, active and past, each with its group's state in the target. */
export async function connectorGroups(tx: Tx, connectorId: string): Promise<Array<BindingView & { groupLink: GroupLinkView }>> {
  const connector = await requireConnector(tx, connectorId);
  const bindings = await listBindings(tx, connector.id);
  const links = new Map((await listGroupLinks(tx, connector.id)).map((l) => [l.groupId, l]));
  const views = bindings.map((b) => ({ ...b, groupLink: groupLinkView(links.get(b.groupId), { groupManagement: connector.groupManagement, bound: b.state === 'bound' }) }));
  const untracked = views.filter((v) => v.groupLink.state === 'disabled' && v.groupLink.remoteGroupId).map((v) => v.groupId);
  const counts = await activeMemberCounts(tx, connector.id, untracked);
  for (const v of views) if (counts.has(v.groupId) || untracked.includes(v.groupId)) v.groupLink.memberCount = counts.get(v.groupId) ?? 0;
  return views;
}

/** How far a group's changes have reached the target: members by link state, intents queued, the group's state. */
export async function groupProgressView(tx: Tx, connectorId: string, groupId: string) {
  const connector = await requireConnector(tx, connectorId);
  const group = await getGroupIncludingDeleted(tx, groupId);
  if (!group) throw notFound('group', groupId);
  const binding = await getBinding(tx, connector.id, group.id);
  if (!binding) {
    throw new DomainError('not_found', `Group ${group.id} has never been bound to connector ${connector.id}.`, {
      api: `Bind it first: PUT /v1/connectors/${connector.id}/groups/${group.id}.`,
      cli: `Bind it first: \`bindery connector bind ${connector.id} ${group.id}\`.`,
    });
  }
  const bound = binding.unboundAt === null;
  const counts = await groupProgress(tx, connector.id, group.id);
  const link = groupLinkView(await getGroupLink(tx, connector.id, group.id), { groupManagement: connector.groupManagement, bound });
  return {
    connectorId: connector.id,
    groupId: group.id,
    groupName: group.name,
    binding: bound ? ('bound' as const) : ('unbound' as const),
    groupDeleted: group.deletedAt !== null,
    ...counts,
    membersLeftOut: link.membersLeftOut,
    groupState: link.state,
  };
}

export async function connectorUsers(tx: Tx, connectorId: string, page: { state?: LinkState; after?: string; limit: number }) {
  await requireConnector(tx, connectorId);
  return listLinks(tx, connectorId, page);
}
