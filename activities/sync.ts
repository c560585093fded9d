import { saveGroupLink } from '../db/group-links';
import { saveLink } from '../db/links';
import type { GroupRef, GroupSyncOutcome, UserRef, UserSyncOutcome } from '../engine/executor';
import { syncGroup } from '../engine/groups';
import { type EngineDeps, openSession } from '../engine/session';
import { syncUser } from '../engine/users';
import { type BulkOutcome, syncUsers } from '../engine/bulk';
import { rethrowForRetry } from './outcome';
import { runContext } from './context';

export type { GroupRef, GroupSyncOutcome, UserRef, UserSyncOutcome } from '../engine/executor';
export type { BulkOutcome } from '../engine/bulk';
export type UsersRef = { connectorId: string; userIds: string[] };

/** Why a quarantine or a failed group says it gave up, from the code the last attempt carried. */
function gaveUpBecause(session: Awaited<ReturnType<typeof openSession>>, code: string): string {
  return 'skipped' in session || code === 'timeout' ? 'The target kept failing or did not answer.' : session.profile.explain(code);
}

/** The per-object sync activities: load facts → plan → apply (engine/), with Temporal's retry semantics. */
export function createSyncActivities(deps: EngineDeps) {
  async function quarantine(connectorId: string, userIds: readonly string[], code: string): Promise<void> {
    const session = await openSession(deps, connectorId, runContext());
    const message = `Quarantined after repeated transient failures (${code}): ${gaveUpBecause(session, code)} Bindery tries again on the next change or a manual sync.`;
    await deps.db.transaction(async (tx) => {
      for (const userId of userIds) {
        await saveLink(tx, { connectorId, userId, state: 'stuck', lastErrorCode: code, lastError: message });
        if (!('skipped' in session)) await session.record({ objectType: 'user', objectId: userId }, { type: 'user_update_provision', outcome: 'failure', message, code }, tx);
      }
    });
  }

  return {
    /** Level-triggered reconciliation of one user with one connector. */
    async reconcileUser(ref: UserRef): Promise<UserSyncOutcome> {
      const session = await openSession(deps, ref.connectorId, runContext());
      if ('skipped' in session) return { result: 'skipped', code: session.skipped };
      return syncUser(session, ref).catch(rethrowForRetry);
    },

    /** Level-triggered reconciliation of one group with one connector. */
    async reconcileGroup(ref: GroupRef): Promise<GroupSyncOutcome> {
      const session = await openSession(deps, ref.connectorId, runContext());
      if ('skipped' in session) return { result: 'skipped', code: session.skipped };
      return syncGroup(session, ref).catch(rethrowForRetry);
    },

    /** Many users of one connector at once (engine/bulk.ts): the bulk path of activation, bindings, cascades. */
    async reconcileUsers(ref: UsersRef): Promise<BulkOutcome> {
      const session = await openSession(deps, ref.connectorId, runContext());
      if ('skipped' in session) return { counts: { skipped: ref.userIds.length }, retry: [], code: session.skipped };
      return syncUsers(session, ref.userIds).catch(rethrowForRetry);
    },

    /** After the retries ran out: quarantine the user (the "stuck" list) until the next change. */
    async quarantineUser(ref: UserRef & { code: string }): Promise<void> {
      await quarantine(ref.connectorId, [ref.userId], ref.code);
    },

    /** The bulk path's give-up: the same quarantine for each of these users. */
    async quarantineUsers(ref: UsersRef & { code: string }): Promise<void> {
      await quarantine(ref.connectorId, ref.userIds, ref.code);
    },

    /** After the retries ran out: the group is marked failed with the reason until its next change. */
    async markGroupFailed(ref: GroupRef & { code: string }): Promise<void> {
      const session = await openSession(deps, ref.connectorId, runContext());
      const message = `Gave up after repeated transient failures (${ref.code}): ${gaveUpBecause(session, ref.code)} Bindery tries again on the next change.`;
      await deps.db.transaction(async (tx) => {
        await saveGroupLink(tx, { ...ref, state: 'failed', lastErrorCode: ref.code, lastError: message });
        if (!('skipped' in session)) await session.record({ objectType: 'group', objectId: ref.groupId }, { type: 'group_update_provision', outcome: 'failure', message, code: ref.code }, tx);
      });
    },
  };
}
