import { boundConnectorIds, enqueueGroupForBoundConnectors } from '../db/bindings';
import type { Tx } from '../db/client';
import { addMember as insertMember, createGroup as insertGroup, findGroupByName, getGroup as selectGroup, type GroupRow, groupMemberIds, listGroups as selectGroups, lockGroupName, removeMember as deleteMember, renameGroup as writeName, softDeleteGroup } from '../db/groups';
import { enqueueGroupMembers, enqueueUser } from '../db/outbox';
import { toDirectoryUser } from '../db/users';
import { DomainError, notFound, type WithWarnings, withWarnings } from './context';
import { requireUser } from './users';
import { targetWarnings } from './warnings';

export type GroupView = Omit<GroupRow, 'deletedAt'> & { memberIds: string[]; connectorIds: string[] };

async function view(tx: Tx, row: GroupRow): Promise<GroupView> {
  const { deletedAt: _deleted, ...group } = row;
  return { ...group, memberIds: await groupMemberIds(tx, row.id), connectorIds: await boundConnectorIds(tx, row.id) };
}

/** Names are unique among live groups, ignoring case. Holds the name's lock until the transaction ends. */
async function assertNameFree(tx: Tx, name: string, self?: string): Promise<void> {
  await lockGroupName(tx, name);
  const holder = await findGroupByName(tx, name);
  if (holder && holder.id !== self) throw new DomainError('conflict', `A group named "${holder.name}" already exists (${holder.id}). Group names are unique, ignoring case.`, {}, { groupId: holder.id });
}

export async function requireGroup(tx: Tx, id: string): Promise<GroupRow> {
  const group = await selectGroup(tx, id);
  if (!group) throw notFound('group', id);
  return group;
}

export async function createGroup(tx: Tx, name: string): Promise<GroupView> {
  await assertNameFree(tx, name);
  return view(tx, await insertGroup(tx, name));
}

/** Renames; the new name reaches every target the group is bound to (G1). */
export async function renameGroup(tx: Tx, id: string, name: string): Promise<GroupView> {
  const group = await requireGroup(tx, id);
  if (group.name === name) return view(tx, group);
  await assertNameFree(tx, name, group.id);
  const renamed = (await writeName(tx, group.id, name))!;
  await enqueueGroupForBoundConnectors(tx, group.id);
  return view(tx, renamed);
}

/**
 * Soft delete (G2): deleted in every target it is bound to; its members are looked at by each of those
 * connectors, and deactivated unless another bound group still authorizes them. Bindings and memberships
 * stay, so the cascade knows whom to look at.
 */
export async function deleteGroup(tx: Tx, id: string): Promise<void> {
  const group = await requireGroup(tx, id);
  await softDeleteGroup(tx, group.id);
  await enqueueGroupMembers(tx, group.id);
  await enqueueGroupForBoundConnectors(tx, group.id);
}

/** Idempotent. The user becomes authorized wherever the group is bound. */
export async function addMember(tx: Tx, groupId: string, userId: string): Promise<WithWarnings<{ groupId: string; userId: string; added: boolean }>> {
  const group = await requireGroup(tx, groupId);
  const user = await requireUser(tx, userId);
  const added = await insertMember(tx, group.id, user.id);
  if (added) {
    await enqueueUser(tx, user.id);
    await enqueueGroupForBoundConnectors(tx, group.id);
  }
  return withWarnings({ groupId, userId, added }, added ? await targetWarnings(tx, toDirectoryUser(user)) : []);
}

/** Idempotent. Where no other bound group authorizes the user any more, they are deactivated there. */
export async function removeMember(tx: Tx, groupId: string, userId: string): Promise<{ groupId: string; userId: string; removed: boolean }> {
  const group = await requireGroup(tx, groupId);
  const user = await requireUser(tx, userId);
  const removed = await deleteMember(tx, group.id, user.id);
  if (removed) {
    // After the removal: enqueueUser also covers connectors the user is linked to, which may now have to deactivate them.
    await enqueueUser(tx, user.id);
    await enqueueGroupForBoundConnectors(tx, group.id);
  }
  return { groupId, userId, removed };
}

export async function getGroup(tx: Tx, id: string): Promise<GroupView> {
  return view(tx, await requireGroup(tx, id));
}

export async function listGroups(tx: Tx, page: { after?: string; limit: number }) {
  return selectGroups(tx, page);
}
