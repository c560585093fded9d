import type { GroupLinkState } from '../links';
import type { PatchOperation } from '../mapping';
import type { ScimGroup } from '../scim-group';
import { planGroupSync } from './group-membership';

/**
 * The group planner: from facts — the directory group and its binding, the connector's settings, the
 * members' accounts in the target, the link, what the target holds — to the steps that bring the target's
 * group in step (G1–G3, G6–G8), or a refusal, or nothing to do. Pure; one executor applies it.
 */

export type GroupFacts = {
  group: { name: string; deleted: boolean } | undefined;
  /** The binding exists (bound or unbound) and whether it is active. */
  binding: { bound: boolean } | undefined;
  /** The connector manages groups (I2, G6) and its target can hold them. */
  managed: boolean;
  /** Names the target manages itself (Slack: "Team Admins"): such a group is never written (G7). */
  isManagedName: (name: string) => boolean;
  link: { remoteGroupId: string | null; state: GroupLinkState; memberCount: number; membersLeftOut?: number } | undefined;
  /** Remote IDs of the members whose accounts are active in the target and may be group members. */
  memberRemoteIds: readonly string[];
  /** Members left out on purpose (the target cannot hold them in a group: Slack guests). */
  membersLeftOut: number;
  /** The linked group (null: gone from the target), and the group of the same name (takeover); undefined: not read. */
  remote: { linked: ScimGroup | null; byName: ScimGroup | null } | undefined;
  batchSize: number;
  /** How events name the target: "Slack", or the service provider's. */
  targetName: string;
};

export type GroupStep =
  /** The event is recorded by the `record` step that ends the plan, once every batch is in. */
  | { op: 'create'; displayName: string; members: string[] }
  /** `takeover`: the first write to a group of the same name that Bindery did not create, which proves it writable. */
  | { op: 'patch'; event: 'group_create_provision' | 'group_update_provision'; remoteGroupId: string; operations: PatchOperation[]; takeover: boolean }
  | { op: 'delete'; event: 'group_delete_provision'; remoteGroupId: string; message: string }
  | { op: 'record'; state: GroupLinkState; remoteGroupId?: string | null; memberCount?: number; message?: string; event?: 'group_create_provision' | 'group_update_provision' | 'group_delete_provision' };

/** The planner's answer when it cannot decide without knowing what the target holds. */
export type NeedsRemote = { needs: 'remote' };

export type GroupResult = 'created' | 'updated' | 'unchanged' | 'deleted' | 'empty' | 'disabled' | 'failed' | 'skipped';

export type GroupPlan = {
  result: GroupResult;
  reason: string;
  steps: GroupStep[];
  refusal?: { code: string; message: string; event: 'group_create_provision' | 'group_update_provision' };
  summary?: { added: number; removed: number; renamed: boolean };
};

export const MANAGED_GROUP_MESSAGE =
  'The target manages this group itself (in Slack: a group it generates, like "Team Admins") and does not let SCIM change it: it is left as it is. Give the directory group another name to sync it.';

/** The plan for one group on one connector, or NeedsRemote when the target must be read first. */
export function planGroup(f: GroupFacts): GroupPlan | NeedsRemote {
  const { group, binding, link } = f;
  if (!group || !binding) return { result: 'skipped', reason: 'not_bound', steps: [] };
  if (!f.managed || !binding.bound) {
    // G3, G6: syncing stops and the target keeps the group as it is (also when an unbound group is later deleted).
    return link?.state === 'disabled' ? { result: 'disabled', reason: 'not_managed', steps: [] } : { result: 'disabled', reason: 'not_managed', steps: [{ op: 'record', state: 'disabled' }] };
  }
  if (f.isManagedName(group.name)) return refuse(link, 'slack_managed_group', MANAGED_GROUP_MESSAGE);

  const remote = f.remote;
  if (!remote) return { needs: 'remote' };

  if (group.deleted) {
    // G2: a managed group deleted in the directory is deleted in the target; its members are looked at by their own user-sync.
    if (!remote.linked) {
      return link && link.state !== 'deleted' ? { result: 'deleted', reason: 'gone', steps: [{ op: 'record', state: 'deleted', remoteGroupId: null }] } : { result: 'deleted', reason: 'gone', steps: [] };
    }
    return { result: 'deleted', reason: 'deleted', steps: [{ op: 'delete', event: 'group_delete_provision', remoteGroupId: remote.linked.id, message: `Deleted the group in ${f.targetName}.` }] };
  }

  // G1: a group of the same name in the target is taken over.
  const existing = remote.linked ?? remote.byName;
  if (existing && f.isManagedName(existing.displayName)) return refuse(link, 'slack_managed_group', MANAGED_GROUP_MESSAGE);
  const takeover = !remote.linked && existing !== null;
  const membership = planGroupSync({
    desiredName: group.name,
    desiredMemberIds: f.memberRemoteIds,
    actual: existing ? { displayName: existing.displayName, memberIds: existing.members.map((m) => m.value) } : null,
    batchSize: f.batchSize,
  });
  const memberCount = new Set(f.memberRemoteIds).size;
  const leftOut = f.membersLeftOut > 0 ? ` ${f.membersLeftOut} member(s) left out: ${f.targetName} does not allow them in groups (guests).` : '';

  if (!existing) {
    if (!membership.create) return link?.state === 'empty' ? { result: 'empty', reason: 'no_members', steps: [] } : { result: 'empty', reason: 'no_members', steps: [{ op: 'record', state: 'empty', memberCount: 0 }] };
    const steps: GroupStep[] = [{ op: 'create', displayName: membership.create.displayName, members: membership.create.members }];
    // The create made the group: later batches go to it (the executor fills in the new ID).
    for (const operations of membership.patches) steps.push({ op: 'patch', event: 'group_create_provision', remoteGroupId: '', operations, takeover: false });
    steps.push({ op: 'record', state: 'synced', memberCount, message: `Created the group in ${f.targetName} with ${memberCount} member(s).${leftOut}`, event: 'group_create_provision' });
    return { result: 'created', reason: 'not_in_target', steps, summary: membership.summary };
  }

  // A takeover always writes once, so a group the target will not let SCIM change is found out now, not later.
  const patches = membership.patches.length > 0 || !takeover ? membership.patches : [[{ op: 'replace' as const, path: 'displayName', value: existing.displayName }]];
  const steps: GroupStep[] = patches.map((operations, i) => ({ op: 'patch', event: 'group_update_provision', remoteGroupId: existing.id, operations, takeover: takeover && i === 0 }));
  const { added, removed, renamed } = membership.summary;
  const inStep = steps.length === 0;
  if (inStep) {
    if (link?.state === 'synced' && link.remoteGroupId === existing.id && link.memberCount === memberCount && (link.membersLeftOut ?? 0) === f.membersLeftOut) {
      return { result: 'unchanged', reason: 'in_step', steps: [], summary: membership.summary };
    }
    return { result: 'unchanged', reason: 'in_step', steps: [{ op: 'record', state: 'synced', remoteGroupId: existing.id, memberCount }], summary: membership.summary };
  }
  const what = takeover
    ? `Took over the existing ${f.targetName} group of the same name: ${added} member(s) added, ${removed} removed.${leftOut}`
    : `Updated the group in ${f.targetName}: ${added} member(s) added, ${removed} removed${renamed ? ', renamed' : ''}.${leftOut}`;
  steps.push({ op: 'record', state: 'synced', remoteGroupId: existing.id, memberCount, message: what, event: 'group_update_provision' });
  return { result: 'updated', reason: takeover ? 'takeover' : 'drifted', steps, summary: membership.summary };
}

function refuse(link: GroupFacts['link'], code: string, message: string): GroupPlan {
  return { result: 'failed', reason: code, steps: [], refusal: { code, message, event: link?.remoteGroupId ? 'group_update_provision' : 'group_create_provision' } };
}

/** A group plan's steps as the requests they send, for dry runs and plan reports. */
export function describeGroupStep(step: GroupStep): { method: string; path: string; attributes: string[] } | undefined {
  switch (step.op) {
    case 'create':
      return { method: 'POST', path: '/Groups', attributes: ['displayName', `members (${step.members.length})`] };
    case 'patch':
      return { method: 'PATCH', path: `/Groups/${step.remoteGroupId || '<new>'}`, attributes: step.operations.map((o) => (o.path === 'members' && o.op === 'add' ? `members +${Array.isArray(o.value) ? o.value.length : 1}` : o.path?.startsWith('members[') ? 'members -1' : (o.path ?? '(several)'))) };
    case 'delete':
      return { method: 'DELETE', path: `/Groups/${step.remoteGroupId}`, attributes: [] };
    default:
      return undefined;
  }
}
