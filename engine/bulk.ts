import type { DirectoryUser } from '../core/directory';
import { planUser, type RemoteFacts, type UserPlan } from '../core/plan/user';
import type { ScimUser } from '../core/scim-user';
import { ScimError } from '../targets/errors';
import { applyUserPlan, type UserSyncOutcome } from './executor';
import { forEachConcurrently } from './pool';
import type { Session } from './session';
import { directoryFacts, linkFacts, loadUserStates, lookUp, syncUser, type UserDirectoryState } from './users';

/**
 * Bulk sync (activation, a big binding, a cascade): many users of one connector per call, with the same
 * planner and executor as a single user's sync, so the two paths can never disagree — and never duplicate
 * a user, since the exactly-once guarantees stay where they are (the link's "creating" state and the
 * target's unique userName). What bulk saves is the per-user cost around that: no workflow start, the
 * directory read in three queries per batch, and the target read once per batch when that is cheaper than
 * looking each user up.
 */

/** Requests in flight at once within one call. */
export const BULK_CONCURRENCY = 16;

/** What a batch did, for the workflow: counts by result, and the users to try again (IDs and codes only). */
export type BulkOutcome = { counts: Record<string, number>; retry: string[]; code?: string };

type Wanted = { id: string; linkedId?: string | null; user: DirectoryUser };

export async function syncUsers(session: Session, userIds: readonly string[]): Promise<BulkOutcome> {
  const connectorId = session.connector.id;
  const rules = session.profile;
  const states = await loadUserStates(session.deps.db, connectorId, userIds);

  // Directory first: only users whose plan depends on the target are read for.
  const plans = new Map<string, UserPlan>();
  const wanted: Wanted[] = [];
  for (const id of userIds) {
    const state = states.get(id)!;
    const first = planUser({ directory: directoryFacts(state), link: linkFacts(state), rules });
    if ('needs' in first) wanted.push({ id, linkedId: state.link?.remoteId, user: directoryFacts(state).user! });
    else plans.set(id, first);
  }
  const { facts, read } = await remoteFactsOf(session, wanted, states);
  for (const { id } of wanted) {
    const state = states.get(id)!;
    const plan = planUser({ directory: directoryFacts(state), link: linkFacts(state), remote: facts.get(id), rules });
    if ('needs' in plan) throw new Error('planUser asked for the target although it was read');
    plans.set(id, plan);
  }

  const counts: Record<string, number> = {};
  const retry: string[] = [];
  let transient: ScimError | undefined;
  await forEachConcurrently(userIds, BULK_CONCURRENCY, async (userId) => {
    const ref = { connectorId, userId };
    let outcome: UserSyncOutcome;
    try {
      // A plan found stale at its create (another pass, or a read older than a concurrent creation) is made afresh.
      outcome = await applyUserPlan(session, ref, plans.get(userId)!, states.get(userId)!.link, { replan: () => syncUser(session, ref, { fresh: true }), readEarlier: read === 'scan' });
    } catch (err) {
      if (!(err instanceof ScimError) || err.kind === 'permanent') throw err;
      transient = err;
      retry.push(userId);
      return;
    }
    counts[outcome.result] = (counts[outcome.result] ?? 0) + 1;
  });
  // Nobody got through (the target is down or throttling): Temporal's retry policy takes the whole batch.
  if (transient && retry.length === userIds.length) throw transient;
  return { counts, retry, code: transient?.code };
}

/**
 * What the target holds for these users: a full read when it costs fewer requests than the lookups
 * (one or two per user), else the lookups, several at once.
 */
async function remoteFactsOf(session: Session, wanted: Wanted[], states: Map<string, UserDirectoryState>): Promise<{ facts: Map<string, RemoteFacts>; read: 'scan' | 'lookups' | 'none' }> {
  const facts = new Map<string, RemoteFacts>();
  if (wanted.length === 0) return { facts, read: 'none' };
  const { client } = session;
  const lookups = wanted.reduce((n, w) => n + (w.linkedId ? 1 : 2), 0);
  const pages = Math.ceil((await client.countUsers()) / client.dialect.maxPageSize);
  if (pages >= lookups) {
    await forEachConcurrently(wanted, BULK_CONCURRENCY, async (w) => {
      facts.set(w.id, await lookUp(client, states.get(w.id)!.link, w.user));
    });
    return { facts, read: 'lookups' };
  }
  const ids = new Set(wanted.flatMap((w) => (w.linkedId ? [w.linkedId] : [])));
  const names = new Set(wanted.map((w) => w.user.username.toLowerCase()));
  const emails = new Set(wanted.map((w) => w.user.email.toLowerCase()));
  const byId = new Map<string, ScimUser>();
  const byName = new Map<string, ScimUser>();
  const byEmail = new Map<string, ScimUser>();
  for await (const page of client.listUsers()) {
    for (const account of page) {
      if (ids.has(account.id)) byId.set(account.id, account);
      const name = account.userName.toLowerCase();
      if (names.has(name)) byName.set(name, account);
      for (const e of account.emails) {
        const email = e.value?.toLowerCase();
        if (email && emails.has(email) && !byEmail.has(email)) byEmail.set(email, account);
      }
    }
    session.run.heartbeat?.();
  }
  for (const w of wanted) {
    // The same precedence as the lookups: the linked account, else by userName, else by email.
    const linked = w.linkedId ? (byId.get(w.linkedId) ?? null) : null;
    const byUserName = linked ? null : (byName.get(w.user.username.toLowerCase()) ?? null);
    const byMail = linked || byUserName ? null : (byEmail.get(w.user.email.toLowerCase()) ?? null);
    facts.set(w.id, { linked, byUserName, byEmail: byMail });
  }
  return { facts, read: 'scan' };
}
