import { planGroup, type GroupFacts, type GroupPlan } from '../core/plan/group';
import { getGroupLink, type GroupLinkRow, saveGroupLink } from '../db/group-links';
import { type GroupMemberAccount, loadGroupForSync } from '../db/group-state';
import { saveLink } from '../db/links';
import { enqueue } from '../db/outbox';
import { applyGroupPlan, type GroupRef, type GroupSyncOutcome, MemberRefusal } from './executor';
import type { Session } from './session';

/** How many times a group pass sets members aside and plans again before it gives up. */
const MAX_REPAIRS = 3;
/** Above this many suspects, one read of every user is cheaper than one read per suspect. */
const READ_ALL_ABOVE = 50;

type LoadedGroup = { facts: GroupFacts; link: GroupLinkRow | undefined; members: GroupMemberAccount[] };

/** The directory's side of a group's facts, and which members the target may hold in it. */
export async function loadGroupState(session: Session, ref: GroupRef): Promise<LoadedGroup> {
  const { profile, connector } = session;
  const { group, binding, members } = await loadGroupForSync(session.deps.db, ref.connectorId, ref.groupId);
  const link = await getGroupLink(session.deps.db, ref.connectorId, ref.groupId);
  const eligible = members.filter((m) => profile.canJoinGroups(m));
  return {
    members,
    link,
    facts: {
      group: group ? { name: group.name, deleted: group.deletedAt !== null } : undefined,
      binding: binding ? { bound: binding.unboundAt === null } : undefined,
      managed: connector.groupManagement && profile.groups,
      isManagedName: (name) => profile.isManagedGroupName(name),
      link: link ? { remoteGroupId: link.remoteGroupId, state: link.state, memberCount: link.memberCount, membersLeftOut: link.membersLeftOut } : undefined,
      memberRemoteIds: eligible.map((m) => m.remoteId),
      membersLeftOut: members.length - eligible.length,
      remote: undefined,
      batchSize: profile.groupBatchSize,
      targetName: profile.targetName,
    },
  };
}

/** Reads what the target holds for the group: the linked group, else (not for a deleted one) a group of the same name. */
async function readRemote(session: Session, facts: GroupFacts): Promise<NonNullable<GroupFacts['remote']>> {
  const linked = facts.link?.remoteGroupId ? await session.client.getGroup(facts.link.remoteGroupId) : null;
  const byName = linked || !facts.group || facts.group.deleted ? null : await session.client.findGroupByName(facts.group.name);
  return { linked, byName };
}

export async function planGroupSync(session: Session, facts: GroupFacts): Promise<GroupPlan> {
  const first = planGroup(facts);
  if (!('needs' in first)) return first;
  const plan = planGroup({ ...facts, remote: await readRemote(session, facts) });
  if ('needs' in plan) throw new Error('planGroup asked for the target twice');
  return plan;
}

/**
 * Level-triggered reconciliation of one group with one connector (G1–G3, G6–G8). One member the target
 * refuses never blocks the group: the pass finds which members are unusable (gone from the target,
 * deactivated there, a guest), sets them aside and queues their own sync (which recreates, relinks or
 * reactivates them, then asks for the group again), and syncs the rest.
 */
export async function syncGroup(session: Session, ref: GroupRef): Promise<GroupSyncOutcome> {
  for (let round = 0; ; round++) {
    const { facts, link, members } = await loadGroupState(session, ref);
    const plan = await planGroupSync(session, facts);
    try {
      return await applyGroupPlan(session, ref, plan, link, facts.membersLeftOut);
    } catch (err) {
      if (!(err instanceof MemberRefusal)) throw err;
      const setAside = round < MAX_REPAIRS ? await setAsideUnusable(session, ref, members, err) : 0;
      if (setAside === 0) {
        // Nothing found to set aside: the refusal is the group's own.
        const { code, explanation } = err.error;
        await session.deps.db.transaction(async (tx) => {
          await saveGroupLink(tx, { ...ref, state: 'failed', lastErrorCode: code, lastError: explanation });
          await session.record({ objectType: 'group', objectId: ref.groupId }, { type: link?.remoteGroupId ? 'group_update_provision' : 'group_create_provision', outcome: 'failure', message: explanation, code }, tx);
        });
        return { result: 'failed', code };
      }
    }
  }
}

/** Finds the members the target cannot hold among those a refused request named; marks and re-queues them. */
async function setAsideUnusable(session: Session, ref: GroupRef, members: GroupMemberAccount[], refusal: MemberRefusal): Promise<number> {
  const named = new Set(refusal.memberIds);
  const suspects = members.filter((m) => named.has(m.remoteId));
  if (suspects.length === 0) return 0;
  const status = new Map<string, 'missing' | 'inactive' | 'ok'>();
  if (suspects.length > READ_ALL_ABOVE) {
    const seen = new Map<string, boolean>();
    for await (const page of session.client.listUsers()) for (const u of page) seen.set(u.id, u.active !== false);
    for (const m of suspects) status.set(m.remoteId, !seen.has(m.remoteId) ? 'missing' : seen.get(m.remoteId) ? 'ok' : 'inactive');
  } else {
    for (const m of suspects) {
      const u = await session.client.getUser(m.remoteId);
      status.set(m.remoteId, !u ? 'missing' : u.active === false ? 'inactive' : 'ok');
    }
  }
  const unusable = suspects.filter((m) => status.get(m.remoteId) !== 'ok');
  if (unusable.length === 0) return 0;
  await session.deps.db.transaction(async (tx) => {
    for (const m of unusable) {
      const why = status.get(m.remoteId) === 'missing' ? 'is not in the target any more' : 'is deactivated in the target';
      const message = `Set aside from group syncs: account ${m.remoteId} ${why} (${refusal.error.code}); the user's sync was queued to recreate, relink or reactivate it.`;
      await saveLink(tx, { connectorId: ref.connectorId, userId: m.userId, state: 'pending', lastErrorCode: refusal.error.code, lastError: message });
      await enqueue(tx, 'user', ref.connectorId, m.userId);
    }
    const names = unusable.map((m) => `${m.username} (${m.userId})`).join(', ');
    await session.record(
      { objectType: 'group', objectId: ref.groupId },
      { type: 'group_update_provision', outcome: 'failure', code: refusal.error.code, message: `${session.profile.targetName} refused ${unusable.length === 1 ? 'a member' : `${unusable.length} members`}: ${names}. Set aside and queued for their own sync; the rest of the group is synced.` },
      tx,
    );
  });
  return unusable.length;
}
