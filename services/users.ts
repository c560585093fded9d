import type { DirectoryUserFields } from '../core/directory';
import type { Tx } from '../db/client';
import { enqueueUser } from '../db/outbox';
import { createUser as insertUser, type DirectoryUserRow, findUser, findUserByUsername, listUsers as selectUsers, softDeleteUser, toDirectoryUser, updateUser as writeUser, type UserPatch, userGroupIds } from '../db/users';
import { DomainError, notFound, type WithWarnings, withWarnings } from './context';
import { targetWarnings } from './warnings';

export type UserView = Omit<DirectoryUserRow, 'deletedAt'> & { groupIds: string[] };

function view(row: DirectoryUserRow): Omit<UserView, 'groupIds'> {
  const { deletedAt: _deleted, ...rest } = row;
  return rest;
}

export async function userView(tx: Tx, row: DirectoryUserRow): Promise<UserView> {
  return { ...view(row), groupIds: await userGroupIds(tx, row.id) };
}

/** Usernames are unique, ignoring case, among live and deleted users (a deleted user keeps its name: its deactivated account does). */
async function assertUsernameFree(tx: Tx, username: string, self?: string): Promise<void> {
  const holder = await findUserByUsername(tx, username);
  if (!holder || holder.id === self) return;
  if (holder.deletedAt) {
    throw new DomainError(
      'conflict',
      `The username "${username}" belongs to the deleted directory user ${holder.id}: a deleted user keeps its username, because the deactivated account in the target still uses it. Choose another username.`,
      {},
      { userId: holder.id },
    );
  }
  throw new DomainError('conflict', `A directory user with username "${username}" already exists (${holder.id}). Usernames are unique, ignoring case.`, {}, { userId: holder.id });
}

export async function requireUser(tx: Tx, id: string): Promise<DirectoryUserRow> {
  const row = await findUser(tx, id);
  if (!row) throw notFound('directory user', id);
  return row;
}

/** Creates a directory user; queued for every connector concerned. Warns about what a target will refuse. */
export async function createUser(tx: Tx, fields: DirectoryUserFields): Promise<WithWarnings<UserView>> {
  await assertUsernameFree(tx, fields.username);
  const row = await insertUser(tx, fields);
  await enqueueUser(tx, row.id);
  return withWarnings(await userView(tx, row), await targetWarnings(tx, toDirectoryUser(row)));
}

/** Changes the given attributes of a live user (the others keep their values). */
export async function updateUser(tx: Tx, id: string, patch: UserPatch): Promise<WithWarnings<UserView>> {
  const current = await requireUser(tx, id);
  if (patch.username !== undefined && patch.username.toLowerCase() !== current.username.toLowerCase()) await assertUsernameFree(tx, patch.username, id);
  const row = (await writeUser(tx, id, patch))!;
  await enqueueUser(tx, id);
  return withWarnings(await userView(tx, row), await targetWarnings(tx, toDirectoryUser(row)));
}

/** Soft delete: hidden from the directory, deactivated (U4) in every target; the record stays. */
export async function deleteUser(tx: Tx, id: string): Promise<void> {
  await requireUser(tx, id);
  // Queued first: a deleted user is authorized nowhere, but every connector that authorized them must look.
  await enqueueUser(tx, id);
  if (!(await softDeleteUser(tx, id))) throw notFound('directory user', id);
}

export async function getUser(tx: Tx, id: string): Promise<UserView> {
  return userView(tx, await requireUser(tx, id));
}

export async function listUsers(tx: Tx, page: { after?: string; limit: number }) {
  return (await selectUsers(tx, page)).map(view);
}
