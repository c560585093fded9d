import { describe, expect, it } from 'vitest';
import type { GroupLinkState } from '../../core/links';
import type { PatchOperation } from '../../core/mapping';
import { type GroupFacts, type GroupPlan, type GroupStep, MANAGED_GROUP_MESSAGE, planGroup } from '../../core/plan/group';
import { SCIM_URNS } from '../../core/scim';
import { ScimGroup } from '../../core/scim-group';
import { scimProfile } from '../../targets/scim/profile';
import { LIMITS } from '../../targets/slack/facts';
import { slackProfile } from '../../targets/slack/profile';
import type { TargetSettings } from '../../targets/target';

const SETTINGS: TargetSettings = {
  kind: 'slack',
  label: 'Slack',
  usersChooseDisplayName: false,
  plan: 'business_plus',
  deprovision: 'deactivate',
  remoteConfig: null,
  teamDomain: 'acme',
  scimBaseUrl: null,
};
const slack = slackProfile(SETTINGS);
const scim = scimProfile({ ...SETTINGS, kind: 'scim', label: 'Acme SCIM' });

/** Facts for a live, bound, managed group "Engineering" on Slack, with `over` laid over them. */
function facts(over: Partial<GroupFacts> = {}): GroupFacts {
  return {
    group: { name: 'Engineering', deleted: false },
    binding: { bound: true },
    managed: true,
    isManagedName: (name) => slack.isManagedGroupName(name),
    link: undefined,
    memberRemoteIds: [],
    membersLeftOut: 0,
    remote: undefined,
    batchSize: slack.groupBatchSize,
    targetName: slack.targetName,
    ...over,
  };
}

/** A group as the target answers it. */
function remoteGroup(id: string, displayName: string, members: readonly string[] = []): ScimGroup {
  return ScimGroup.parse({ schemas: [SCIM_URNS.group], id, displayName, members: members.map((value) => ({ value, display: `user ${value}` })), meta: { version: `W/"${id}"` } });
}

const groupLink = (state: GroupLinkState, remoteGroupId: string | null = 'G1', memberCount = 0, membersLeftOut?: number): NonNullable<GroupFacts['link']> => ({
  state,
  remoteGroupId,
  memberCount,
  ...(membersLeftOut !== undefined ? { membersLeftOut } : {}),
});

/** The plan, failing the test when the planner asks for the target instead. */
function plan(f: GroupFacts): GroupPlan {
  const p = planGroup(f);
  if ('needs' in p) throw new Error('the planner asked for the target');
  return p;
}

const add = (ids: string[]): PatchOperation => ({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) });
const remove = (id: string): PatchOperation => ({ op: 'remove', path: `members[value eq "${id}"]` });
/** U00001, U00002, …: sorting as text sorts them by number. */
const ids = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `U${String(from + i).padStart(5, '0')}`);

const ALL_LINK_STATES: readonly GroupLinkState[] = ['pending', 'synced', 'empty', 'failed', 'disabled', 'deleted'];

describe('planGroup: not bound (G3)', () => {
  const cases: Array<[string, Partial<GroupFacts>]> = [
    ['no directory group', { group: undefined }],
    ['no binding', { binding: undefined }],
    ['neither', { group: undefined, binding: undefined }],
    ['no binding, group deleted', { binding: undefined, group: { name: 'Engineering', deleted: true } }],
    ['no binding, group management off', { binding: undefined, managed: false }],
    ['no binding, a linked group in the target', { binding: undefined, link: groupLink('synced', 'G1', 2), remote: { linked: remoteGroup('G1', 'Engineering', ['U1']), byName: null } }],
  ];
  it.each(cases)('%s → skipped, nothing done', (_name, over) => {
    expect(planGroup(facts(over))).toEqual({ result: 'skipped', reason: 'not_bound', steps: [] });
  });
});

describe('planGroup: not managed (G3, G6)', () => {
  const cases: Array<[string, Partial<GroupFacts>]> = [
    ['group management is off', { managed: false }],
    ['group management is off and the group deleted', { managed: false, group: { name: 'Engineering', deleted: true } }],
    ['the group is unbound', { binding: { bound: false } }],
    ['the group is unbound and management off', { binding: { bound: false }, managed: false }],
    ['group management is off, even for a Slack-managed name', { managed: false, group: { name: 'Team Admins', deleted: false } }],
    ['the group is unbound, with members and a remote read', { binding: { bound: false }, memberRemoteIds: ['U1'], remote: { linked: remoteGroup('G1', 'Engineering'), byName: null } }],
  ];
  const links: Array<GroupFacts['link']> = [undefined, ...ALL_LINK_STATES.map((s) => groupLink(s))];
  const table = cases.flatMap(([name, over]) => links.map((l) => ({ name, over, linkState: l?.state ?? 'none', l })));

  it.each(table)('$name (link $linkState) → disabled; the link is recorded disabled unless it says so already', ({ over, l }) => {
    const steps: GroupStep[] = l?.state === 'disabled' ? [] : [{ op: 'record', state: 'disabled' }];
    expect(planGroup(facts({ ...over, link: l }))).toEqual({ result: 'disabled', reason: 'not_managed', steps });
  });

  it('an unbound group later deleted in the directory stays as it is in the target: Bindery stopped managing it (G3)', () => {
    const f = facts({ binding: { bound: false }, group: { name: 'Engineering', deleted: true }, link: groupLink('disabled', 'G1', 3) });
    expect(planGroup(f)).toEqual({ result: 'disabled', reason: 'not_managed', steps: [] });
  });
});

describe('planGroup: groups the target manages itself (G7)', () => {
  const refusal = (event: 'group_create_provision' | 'group_update_provision'): GroupPlan => ({
    result: 'failed',
    reason: 'slack_managed_group',
    steps: [],
    refusal: { code: 'slack_managed_group', message: MANAGED_GROUP_MESSAGE, event },
  });

  const names = ['Team Admins', 'team admins', 'TEAM ADMINS', '  Team Admins  '];
  it.each(names)('refuses %j before reading the target', (name) => {
    expect(planGroup(facts({ group: { name, deleted: false }, memberRemoteIds: ['U1'] }))).toEqual(refusal('group_create_provision'));
  });

  it('the refusal is an update event when the link names a target group, a create event otherwise', () => {
    const group = { name: 'Team Admins', deleted: false };
    expect(planGroup(facts({ group, link: groupLink('synced', 'G1', 1) }))).toEqual(refusal('group_update_provision'));
    expect(planGroup(facts({ group, link: groupLink('failed', null) }))).toEqual(refusal('group_create_provision'));
    expect(planGroup(facts({ group, link: groupLink('empty', null) }))).toEqual(refusal('group_create_provision'));
  });

  it('refuses a deleted group of that name too: it is never written, not even deleted', () => {
    expect(planGroup(facts({ group: { name: 'Team Admins', deleted: true }, link: groupLink('synced', 'G1') }))).toEqual(refusal('group_update_provision'));
  });

  it('refuses when the linked group in the target is a managed one (the directory group was renamed)', () => {
    const f = facts({ group: { name: 'Admins', deleted: false }, memberRemoteIds: ['U1'], link: groupLink('synced', 'G1', 1), remote: { linked: remoteGroup('G1', 'Team Admins', ['U1']), byName: null } });
    expect(planGroup(f)).toEqual(refusal('group_update_provision'));
  });

  it('refuses to take over a group of the same name that the target manages', () => {
    // A rule that matches exactly: the directory name passes it, the target's spelling does not.
    const f = facts({
      group: { name: 'team-admins', deleted: false },
      isManagedName: (n) => n === 'Team Admins',
      memberRemoteIds: ['U1'],
      remote: { linked: null, byName: remoteGroup('G9', 'Team Admins', ['U2']) },
    });
    expect(planGroup(f)).toEqual(refusal('group_create_provision'));
  });

  it('a generic SCIM target manages no names itself: "Team Admins" is an ordinary group there', () => {
    const f = facts({ group: { name: 'Team Admins', deleted: false }, isManagedName: (n) => scim.isManagedGroupName(n), targetName: scim.targetName, batchSize: scim.groupBatchSize, memberRemoteIds: ['U1'] });
    expect(planGroup(f)).toEqual({ needs: 'remote' });
    expect(plan({ ...f, remote: { linked: null, byName: null } })).toMatchObject({ result: 'created', reason: 'not_in_target' });
  });
});

describe('planGroup: reading the target', () => {
  const cases: Array<[string, Partial<GroupFacts>]> = [
    ['a new group', {}],
    ['a group with members', { memberRemoteIds: ['U1', 'U2'] }],
    ['a synced group', { link: groupLink('synced', 'G1', 2), memberRemoteIds: ['U1', 'U2'] }],
    ['a deleted group', { group: { name: 'Engineering', deleted: true }, link: groupLink('synced', 'G1', 2) }],
    ['a deleted group with no link', { group: { name: 'Engineering', deleted: true } }],
  ];
  it.each(cases)('%s asks to read the target first', (_name, over) => {
    expect(planGroup(facts(over))).toEqual({ needs: 'remote' });
  });
});

describe('planGroup: deleted in the directory (G2)', () => {
  const deleted = { name: 'Engineering', deleted: true };

  it('deletes the linked group in the target', () => {
    expect(plan(facts({ group: deleted, link: groupLink('synced', 'G1', 4), memberRemoteIds: ['U1'], remote: { linked: remoteGroup('G1', 'Engineering', ['U1', 'U2']), byName: null } }))).toEqual({
      result: 'deleted',
      reason: 'deleted',
      steps: [{ op: 'delete', event: 'group_delete_provision', remoteGroupId: 'G1', message: 'Deleted the group in Slack.' }],
    });
  });

  it('deletes the linked group even after a rename in the target, and names a generic target by its label', () => {
    expect(plan(facts({ group: deleted, link: groupLink('synced', 'G7', 1), targetName: 'Acme SCIM', remote: { linked: remoteGroup('G7', 'Eng (old)'), byName: null } }))).toEqual({
      result: 'deleted',
      reason: 'deleted',
      steps: [{ op: 'delete', event: 'group_delete_provision', remoteGroupId: 'G7', message: 'Deleted the group in Acme SCIM.' }],
    });
  });

  it('never deletes a group it did not link, even one of the same name', () => {
    expect(plan(facts({ group: deleted, link: undefined, remote: { linked: null, byName: remoteGroup('G9', 'Engineering', ['U1']) } }))).toEqual({ result: 'deleted', reason: 'gone', steps: [] });
  });

  const goneCases = ALL_LINK_STATES.filter((s) => s !== 'deleted');
  it.each(goneCases)('records the link deleted when the linked group is already gone (link %s)', (state) => {
    expect(plan(facts({ group: deleted, link: groupLink(state, 'G1', 2), remote: { linked: null, byName: null } }))).toEqual({
      result: 'deleted',
      reason: 'gone',
      steps: [{ op: 'record', state: 'deleted', remoteGroupId: null }],
    });
  });

  it('does nothing when the link already says deleted, or there is no link', () => {
    expect(plan(facts({ group: deleted, link: groupLink('deleted', null), remote: { linked: null, byName: null } }))).toEqual({ result: 'deleted', reason: 'gone', steps: [] });
    expect(plan(facts({ group: deleted, link: undefined, remote: { linked: null, byName: null } }))).toEqual({ result: 'deleted', reason: 'gone', steps: [] });
  });
});

describe('planGroup: no group in the target yet (G1)', () => {
  const nothing = { linked: null, byName: null };

  it('creates no empty group: the link is recorded empty', () => {
    expect(plan(facts({ remote: nothing }))).toEqual({ result: 'empty', reason: 'no_members', steps: [{ op: 'record', state: 'empty', memberCount: 0 }] });
  });

  it('records nothing for an empty group whose link says empty already', () => {
    expect(plan(facts({ remote: nothing, link: groupLink('empty', null) }))).toEqual({ result: 'empty', reason: 'no_members', steps: [] });
  });

  it.each(['pending', 'synced', 'failed', 'disabled', 'deleted'] as const)('records an empty group empty when the link says %s', (state) => {
    expect(plan(facts({ remote: nothing, link: groupLink(state, null) }))).toEqual({ result: 'empty', reason: 'no_members', steps: [{ op: 'record', state: 'empty', memberCount: 0 }] });
  });

  it('a group whose every member is left out (all guests) is not created either', () => {
    expect(plan(facts({ remote: nothing, memberRemoteIds: [], membersLeftOut: 3 }))).toEqual({ result: 'empty', reason: 'no_members', steps: [{ op: 'record', state: 'empty', memberCount: 0 }] });
  });

  it('creates a group with its members in one POST, sorted and deduplicated', () => {
    expect(plan(facts({ remote: nothing, memberRemoteIds: ['U3', 'U1', 'U2', 'U1'] }))).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [
        { op: 'create', displayName: 'Engineering', members: ['U1', 'U2', 'U3'] },
        { op: 'record', state: 'synced', memberCount: 3, message: 'Created the group in Slack with 3 member(s).', event: 'group_create_provision' },
      ],
      summary: { added: 3, removed: 0, renamed: false },
    });
  });

  it('sends the rest in batches of the facts’ batch size: PATCHes to the group the create made', () => {
    expect(plan(facts({ remote: nothing, batchSize: 2, memberRemoteIds: ['U5', 'U4', 'U3', 'U2', 'U1'] }))).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [
        { op: 'create', displayName: 'Engineering', members: ['U1', 'U2'] },
        { op: 'patch', event: 'group_create_provision', remoteGroupId: '', operations: [add(['U3', 'U4'])], takeover: false },
        { op: 'patch', event: 'group_create_provision', remoteGroupId: '', operations: [add(['U5'])], takeover: false },
        { op: 'record', state: 'synced', memberCount: 5, message: 'Created the group in Slack with 5 member(s).', event: 'group_create_provision' },
      ],
      summary: { added: 5, removed: 0, renamed: false },
    });
  });

  it('Slack’s batch size (the seed: 5,000): 5,000 members go in the create, the 5,001st in a PATCH', () => {
    expect(slack.groupBatchSize).toBe(LIMITS.groupMembersPerBatchRecommended);
    expect(LIMITS.groupMembersPerBatchRecommended).toBe(5000);
    const exactly = plan(facts({ remote: nothing, memberRemoteIds: ids(1, 5000) }));
    expect(exactly.steps.map((s) => s.op)).toEqual(['create', 'record']);
    const oneMore = plan(facts({ remote: nothing, memberRemoteIds: ids(1, 5001) }));
    expect(oneMore.steps.map((s) => s.op)).toEqual(['create', 'patch', 'record']);
    expect((oneMore.steps[0] as Extract<GroupStep, { op: 'create' }>).members).toHaveLength(5000);
    expect((oneMore.steps[1] as Extract<GroupStep, { op: 'patch' }>).operations).toEqual([add(ids(5001, 5001))]);
    expect(oneMore.steps[2]).toEqual({ op: 'record', state: 'synced', memberCount: 5001, message: 'Created the group in Slack with 5001 member(s).', event: 'group_create_provision' });
  });

  it('a generic SCIM target’s batch size is 1,000', () => {
    expect(scim.groupBatchSize).toBe(1000);
    const p = plan(facts({ remote: nothing, batchSize: scim.groupBatchSize, targetName: scim.targetName, memberRemoteIds: ids(1, 2001) }));
    expect(p.steps.map((s) => s.op)).toEqual(['create', 'patch', 'patch', 'record']);
    expect((p.steps[0] as Extract<GroupStep, { op: 'create' }>).members).toEqual(ids(1, 1000));
    expect(p.steps.slice(1, 3)).toEqual([
      { op: 'patch', event: 'group_create_provision', remoteGroupId: '', operations: [add(ids(1001, 2000))], takeover: false },
      { op: 'patch', event: 'group_create_provision', remoteGroupId: '', operations: [add(ids(2001, 2001))], takeover: false },
    ]);
    expect(p.steps[3]).toEqual({ op: 'record', state: 'synced', memberCount: 2001, message: 'Created the group in Acme SCIM with 2001 member(s).', event: 'group_create_provision' });
  });

  it('mentions the members left out (guests) in the creation message', () => {
    const p = plan(facts({ remote: nothing, memberRemoteIds: ['U1', 'U2'], membersLeftOut: 2 }));
    expect(p.steps.at(-1)).toEqual({
      op: 'record',
      state: 'synced',
      memberCount: 2,
      message: 'Created the group in Slack with 2 member(s). 2 member(s) left out: Slack does not allow them in groups (guests).',
      event: 'group_create_provision',
    });
  });

  it('creates the group again when the linked one is gone from the target and no group has its name', () => {
    expect(plan(facts({ remote: nothing, link: groupLink('synced', 'G1', 1), memberRemoteIds: ['U1'] }))).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [
        { op: 'create', displayName: 'Engineering', members: ['U1'] },
        { op: 'record', state: 'synced', memberCount: 1, message: 'Created the group in Slack with 1 member(s).', event: 'group_create_provision' },
      ],
      summary: { added: 1, removed: 0, renamed: false },
    });
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const batchSize of [0, -1, 1.5, Number.NaN]) expect(() => planGroup(facts({ remote: nothing, memberRemoteIds: ['U1'], batchSize }))).toThrow(RangeError);
  });
});

describe('planGroup: taking over a group of the same name (G1)', () => {
  it('writes once even when nothing needs changing: the name replaced with itself, marked takeover', () => {
    const f = facts({ memberRemoteIds: ['U1', 'U2'], remote: { linked: null, byName: remoteGroup('G9', 'Engineering', ['U2', 'U1']) } });
    expect(plan(f)).toEqual({
      result: 'updated',
      reason: 'takeover',
      steps: [
        { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G9', operations: [{ op: 'replace', path: 'displayName', value: 'Engineering' }], takeover: true },
        { op: 'record', state: 'synced', remoteGroupId: 'G9', memberCount: 2, message: 'Took over the existing Slack group of the same name: 0 member(s) added, 0 removed.', event: 'group_update_provision' },
      ],
      summary: { added: 0, removed: 0, renamed: false },
    });
  });

  it('the one write uses the target’s own spelling of the name, so it changes nothing', () => {
    const f = facts({ group: { name: 'Engineering', deleted: false }, remote: { linked: null, byName: remoteGroup('G9', 'Engineering', []) } });
    const p = plan(f);
    expect(p.steps[0]).toEqual({ op: 'patch', event: 'group_update_provision', remoteGroupId: 'G9', operations: [{ op: 'replace', path: 'displayName', value: 'Engineering' }], takeover: true });
    expect(p.steps[1]).toEqual({ op: 'record', state: 'synced', remoteGroupId: 'G9', memberCount: 0, message: 'Took over the existing Slack group of the same name: 0 member(s) added, 0 removed.', event: 'group_update_provision' });
  });

  it('brings the membership in step; only the first request is marked takeover', () => {
    const f = facts({ batchSize: 2, memberRemoteIds: ['U1', 'U2', 'U3'], remote: { linked: null, byName: remoteGroup('G9', 'Engineering', ['U3', 'U8', 'U9']) } });
    expect(plan(f)).toEqual({
      result: 'updated',
      reason: 'takeover',
      steps: [
        { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G9', operations: [add(['U1', 'U2'])], takeover: true },
        { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G9', operations: [remove('U8'), remove('U9')], takeover: false },
        { op: 'record', state: 'synced', remoteGroupId: 'G9', memberCount: 3, message: 'Took over the existing Slack group of the same name: 2 member(s) added, 2 removed.', event: 'group_update_provision' },
      ],
      summary: { added: 2, removed: 2, renamed: false },
    });
  });

  it('renames a group whose name differs only in case, in the first request', () => {
    const f = facts({ memberRemoteIds: ['U1'], remote: { linked: null, byName: remoteGroup('G9', 'engineering', ['U1']) } });
    expect(plan(f).steps).toEqual([
      { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G9', operations: [{ op: 'replace', path: 'displayName', value: 'Engineering' }], takeover: true },
      { op: 'record', state: 'synced', remoteGroupId: 'G9', memberCount: 1, message: 'Took over the existing Slack group of the same name: 0 member(s) added, 0 removed.', event: 'group_update_provision' },
    ]);
  });

  it('takes over a same-name group when the linked one is gone, whatever the link said', () => {
    const f = facts({ link: groupLink('synced', 'G1', 1), memberRemoteIds: ['U1'], remote: { linked: null, byName: remoteGroup('G9', 'Engineering', ['U1']) } });
    expect(plan(f)).toMatchObject({ result: 'updated', reason: 'takeover', steps: [{ op: 'patch', remoteGroupId: 'G9', takeover: true }, { op: 'record', remoteGroupId: 'G9' }] });
  });

  it('mentions the members left out in the takeover message', () => {
    const f = facts({ memberRemoteIds: ['U1'], membersLeftOut: 1, remote: { linked: null, byName: remoteGroup('G9', 'Engineering', []) } });
    expect(plan(f).steps.at(-1)).toEqual({
      op: 'record',
      state: 'synced',
      remoteGroupId: 'G9',
      memberCount: 1,
      message: 'Took over the existing Slack group of the same name: 1 member(s) added, 0 removed. 1 member(s) left out: Slack does not allow them in groups (guests).',
      event: 'group_update_provision',
    });
  });

  it('prefers the linked group over one of the same name (no takeover)', () => {
    const f = facts({ link: groupLink('synced', 'G1', 1), memberRemoteIds: ['U1'], remote: { linked: remoteGroup('G1', 'Engineering', ['U1']), byName: remoteGroup('G9', 'Engineering', []) } });
    expect(plan(f)).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], summary: { added: 0, removed: 0, renamed: false } });
  });
});

describe('planGroup: the linked group (G1, G8)', () => {
  const linked = (members: string[], name = 'Engineering') => ({ linked: remoteGroup('G1', name, members), byName: null });
  const inStep = { added: 0, removed: 0, renamed: false };

  it('does nothing when the link says synced, with the same group, count and members left out', () => {
    expect(plan(facts({ link: groupLink('synced', 'G1', 2), memberRemoteIds: ['U2', 'U1', 'U2'], remote: linked(['U1', 'U2']) }))).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], summary: inStep });
    expect(plan(facts({ link: groupLink('synced', 'G1', 2, 1), membersLeftOut: 1, memberRemoteIds: ['U1', 'U2'], remote: linked(['U1', 'U2']) }))).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], summary: inStep });
    // A link with no count of members left out has none.
    expect(plan(facts({ link: groupLink('synced', 'G1', 2, 0), memberRemoteIds: ['U1', 'U2'], remote: linked(['U1', 'U2']) }))).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], summary: inStep });
  });

  const recordCases: Array<[string, NonNullable<GroupFacts['link']>, number]> = [
    ['the link is pending (a create whose last batch failed)', groupLink('pending', 'G1', 2), 0],
    ['the link is failed', groupLink('failed', 'G1', 2), 0],
    ['the link is empty', groupLink('empty', 'G1', 2), 0],
    ['the link names another group', groupLink('synced', 'G0', 2), 0],
    ['the link counts other members', groupLink('synced', 'G1', 5), 0],
    ['the link counts other members left out', groupLink('synced', 'G1', 2, 0), 1],
    ['the link counted members left out that are no more', groupLink('synced', 'G1', 2, 3), 0],
  ];
  it.each(recordCases)('records the link synced when the group is in step but %s', (_name, l, membersLeftOut) => {
    expect(plan(facts({ link: l, membersLeftOut, memberRemoteIds: ['U1', 'U2'], remote: linked(['U2', 'U1']) }))).toEqual({
      result: 'unchanged',
      reason: 'in_step',
      steps: [{ op: 'record', state: 'synced', remoteGroupId: 'G1', memberCount: 2 }],
      summary: inStep,
    });
  });

  it('sends the membership difference: adds then removes, then records synced with an update event', () => {
    expect(plan(facts({ link: groupLink('synced', 'G1', 2), memberRemoteIds: ['U2', 'U3'], remote: linked(['U1', 'U2']) }))).toEqual({
      result: 'updated',
      reason: 'drifted',
      steps: [
        { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G1', operations: [add(['U3']), remove('U1')], takeover: false },
        { op: 'record', state: 'synced', remoteGroupId: 'G1', memberCount: 2, message: 'Updated the group in Slack: 1 member(s) added, 1 removed.', event: 'group_update_provision' },
      ],
      summary: { added: 1, removed: 1, renamed: false },
    });
  });

  it('honours the batch size of the facts for changes too', () => {
    const p = plan(facts({ batchSize: 2, link: groupLink('synced', 'G1', 3), memberRemoteIds: ['U1', 'U4', 'U5'], remote: linked(['U1', 'U2', 'U3']) }));
    expect(p.steps).toEqual([
      { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G1', operations: [add(['U4', 'U5'])], takeover: false },
      { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G1', operations: [remove('U2'), remove('U3')], takeover: false },
      { op: 'record', state: 'synced', remoteGroupId: 'G1', memberCount: 3, message: 'Updated the group in Slack: 2 member(s) added, 2 removed.', event: 'group_update_provision' },
    ]);
    expect(p.summary).toEqual({ added: 2, removed: 2, renamed: false });
  });

  it('renames the group to the directory’s name, saying so', () => {
    expect(plan(facts({ group: { name: 'Platform', deleted: false }, link: groupLink('synced', 'G1', 1), memberRemoteIds: ['U1'], remote: linked(['U1']) }))).toEqual({
      result: 'updated',
      reason: 'drifted',
      steps: [
        { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G1', operations: [{ op: 'replace', path: 'displayName', value: 'Platform' }], takeover: false },
        { op: 'record', state: 'synced', remoteGroupId: 'G1', memberCount: 1, message: 'Updated the group in Slack: 0 member(s) added, 0 removed, renamed.', event: 'group_update_provision' },
      ],
      summary: { added: 0, removed: 0, renamed: true },
    });
  });

  it('empties a group whose members all left with one remove of members', () => {
    expect(plan(facts({ link: groupLink('synced', 'G1', 3), memberRemoteIds: [], remote: linked(['U1', 'U2', 'U3']) }))).toEqual({
      result: 'updated',
      reason: 'drifted',
      steps: [
        { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G1', operations: [{ op: 'remove', path: 'members' }], takeover: false },
        { op: 'record', state: 'synced', remoteGroupId: 'G1', memberCount: 0, message: 'Updated the group in Slack: 0 member(s) added, 3 removed.', event: 'group_update_provision' },
      ],
      summary: { added: 0, removed: 3, renamed: false },
    });
  });

  it('mentions the members left out in the update message, naming a generic target by its label', () => {
    const p = plan(facts({ targetName: 'Acme SCIM', link: groupLink('synced', 'G1', 1), memberRemoteIds: ['U1', 'U2'], membersLeftOut: 4, remote: linked(['U1']) }));
    expect(p.steps.at(-1)).toEqual({
      op: 'record',
      state: 'synced',
      remoteGroupId: 'G1',
      memberCount: 2,
      message: 'Updated the group in Acme SCIM: 1 member(s) added, 0 removed. 4 member(s) left out: Acme SCIM does not allow them in groups (guests).',
      event: 'group_update_provision',
    });
  });

  it('counts members once however often the facts name them', () => {
    const p = plan(facts({ link: groupLink('synced', 'G1', 1), memberRemoteIds: ['U2', 'U1', 'U2', 'U1'], remote: linked(['U1']) }));
    expect(p.steps).toEqual([
      { op: 'patch', event: 'group_update_provision', remoteGroupId: 'G1', operations: [add(['U2'])], takeover: false },
      { op: 'record', state: 'synced', remoteGroupId: 'G1', memberCount: 2, message: 'Updated the group in Slack: 1 member(s) added, 0 removed.', event: 'group_update_provision' },
    ]);
  });
});
