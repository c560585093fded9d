import { inArray } from 'drizzle-orm';
import type { DirectoryUser } from '../core/directory';
import { type DirectoryFacts, type LinkFacts, planUser, type RemoteFacts, type UserPlan } from '../core/plan/user';
import { authorizedAmong } from '../db/authorization';
import type { Tx } from '../db/client';
import { getLinks, type UserLinkRow } from '../db/links';
import { directoryUsers } from '../db/schema';
import { type DirectoryUserRow, toDirectoryUser } from '../db/users';
import type { ScimClient } from '../targets/scim-client';
import { applyUserPlan, type UserRef, type UserSyncOutcome } from './executor';
import type { Session } from './session';

/** What the directory says about one user on one connector: the record, whether authorized, and the link. */
export type UserDirectoryState = { row: DirectoryUserRow | undefined; authorized: boolean; link: UserLinkRow | undefined };

/** The directory's side of the facts for any number of users, in three queries. */
export async function loadUserStates(db: Tx, connectorId: string, userIds: readonly string[]): Promise<Map<string, UserDirectoryState>> {
  const rows = userIds.length === 0 ? [] : await db.select().from(directoryUsers).where(inArray(directoryUsers.id, [...userIds]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const authorized = await authorizedAmong(db, connectorId, userIds);
  const links = await getLinks(db, connectorId, userIds);
  return new Map(userIds.map((id) => [id, { row: byId.get(id), authorized: authorized.has(id), link: links.get(id) }]));
}

export function directoryFacts(state: UserDirectoryState): DirectoryFacts & { user?: DirectoryUser } {
  const { row } = state;
  const present = row !== undefined && row.deletedAt === null;
  return {
    present,
    suspended: row?.suspended ?? false,
    passwordExpired: row?.passwordExpired ?? false,
    authorized: present && state.authorized,
    user: present ? toDirectoryUser(row!) : undefined,
  };
}

/** What the planner needs of the link. */
export function linkFacts(state: UserDirectoryState): LinkFacts {
  return state.link ? { remoteId: state.link.remoteId, state: state.link.state, lastErrorCode: state.link.lastErrorCode } : undefined;
}

/** Real-time lookups for one user (U2): the linked account, else by userName, else by email — each only if needed. */
export async function lookUp(client: ScimClient, link: UserLinkRow | undefined, user: DirectoryUser): Promise<RemoteFacts> {
  const linked = link?.remoteId ? await client.getUser(link.remoteId) : null;
  const byUserName = linked ? null : await client.findUserByUserName(user.username);
  const byEmail = linked || byUserName ? null : await client.findUserByEmail(user.email);
  return { linked, byUserName, byEmail };
}

/** The plan for one user: from the directory first, reading the target only when the plan needs it. */
export async function planUserSync(session: Session, state: UserDirectoryState, remote?: (user: DirectoryUser) => Promise<RemoteFacts>): Promise<UserPlan> {
  const directory = directoryFacts(state);
  const link = linkFacts(state);
  const first = planUser({ directory, link, rules: session.profile });
  if (!('needs' in first)) return first;
  const facts = await (remote ?? ((u) => lookUp(session.client, state.link, u)))(directory.user!);
  const plan = planUser({ directory, link, remote: facts, rules: session.profile });
  if ('needs' in plan) throw new Error('planUser asked for the target twice');
  return plan;
}

/**
 * Level-triggered reconciliation of one user with one connector: load facts, plan, apply. Safe to repeat
 * at any point: before a POST the link is marked "creating", so a retry that finds the user by userName
 * knows it made it.
 */
export async function syncUser(session: Session, ref: UserRef, opts: { fresh?: boolean } = {}): Promise<UserSyncOutcome> {
  const state = (await loadUserStates(session.deps.db, ref.connectorId, [ref.userId])).get(ref.userId)!;
  const plan = await planUserSync(session, state);
  // A plan found stale at its create is made once more from fresh facts (and only once).
  return applyUserPlan(session, ref, plan, state.link, opts.fresh ? {} : { replan: () => syncUser(session, ref, { fresh: true }) });
}
