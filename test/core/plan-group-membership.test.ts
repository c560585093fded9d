import { describe, expect, it } from 'vitest';
import { memberReferences, memberRemovalPath, planGroupSync as planWith, type GroupSyncInput, type GroupSyncPlan } from '../../core/plan/group-membership';
import type { PatchOperation } from '../../core/mapping';
import { LIMITS } from '../../targets/slack/facts';
import { prng } from '../support/prng';

/** Slack's batch size unless a test gives one. */
const planGroupSync = (input: Omit<GroupSyncInput, 'batchSize'> & { batchSize?: number }) => planWith({ batchSize: LIMITS.groupMembersPerBatchRecommended, ...input });

/** Slack user IDs U00001, U00002, … (sorting as text sorts them by number). */
const ids = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `U${String(from + i).padStart(5, '0')}`);
const values = (list: string[]) => list.map((value) => ({ value }));
const add = (list: string[]): PatchOperation => ({ op: 'add', path: 'members', value: values(list) });
const remove = (id: string): PatchOperation => ({ op: 'remove', path: `members[value eq "${id}"]` });

/** The group a plan leaves behind, applying its operations the way Slack does (spec §4). */
function apply(plan: GroupSyncPlan, actual: GroupSyncInput['actual']): { displayName: string; members: Set<string> } | null {
  let group = actual ? { displayName: actual.displayName, members: new Set(actual.memberIds) } : null;
  if (plan.create) {
    expect(group).toBeNull();
    group = { displayName: plan.create.displayName, members: new Set(plan.create.members) };
  }
  for (const request of plan.patches) {
    if (!group) throw new Error('a PATCH without a group');
    for (const op of request) {
      if (op.op === 'replace' && op.path === 'displayName') group.displayName = op.value as string;
      else if (op.op === 'add' && op.path === 'members') for (const m of op.value as { value: string }[]) group.members.add(m.value);
      else if (op.op === 'remove' && op.path === 'members') group.members.clear();
      else if (op.op === 'remove' && op.path) {
        const m = /^members\[value eq "(.+)"\]$/.exec(op.path);
        if (!m?.[1]) throw new Error(`unexpected path ${op.path}`);
        group.members.delete(m[1]);
      } else throw new Error(`unexpected operation ${JSON.stringify(op)}`);
    }
  }
  return group;
}

describe('planGroupSync: new groups', () => {
  it('creates no empty group (G1)', () => {
    expect(planGroupSync({ desiredName: 'Eng', desiredMemberIds: [], actual: null })).toEqual({ patches: [], summary: { added: 0, removed: 0, renamed: false } });
  });

  it('creates a small group in one POST, members sorted and deduplicated', () => {
    const plan = planGroupSync({ desiredName: 'Eng', desiredMemberIds: ['U3', 'U1', 'U2', 'U1'], actual: null });
    expect(plan).toEqual({ create: { displayName: 'Eng', members: ['U1', 'U2', 'U3'] }, patches: [], summary: { added: 3, removed: 0, renamed: false } });
  });

  it('12,000 members: a create with 5,000, then adds of 5,000 and 2,000', () => {
    const all = ids(1, 12_000);
    const plan = planGroupSync({ desiredName: 'Everyone', desiredMemberIds: [...all].reverse(), actual: null });
    expect(plan.create).toEqual({ displayName: 'Everyone', members: all.slice(0, 5000) });
    expect(plan.patches).toEqual([[add(all.slice(5000, 10_000))], [add(all.slice(10_000))]]);
    expect(plan.summary).toEqual({ added: 12_000, removed: 0, renamed: false });
    expect(apply(plan, null)?.members).toEqual(new Set(all));
  });

  it('exactly one batch needs no PATCH; one more needs one', () => {
    const batch = LIMITS.groupMembersPerBatchRecommended;
    expect(planGroupSync({ desiredName: 'G', desiredMemberIds: ids(1, batch), actual: null }).patches).toEqual([]);
    const plan = planGroupSync({ desiredName: 'G', desiredMemberIds: ids(1, batch + 1), actual: null });
    expect(plan.create?.members).toHaveLength(batch);
    expect(plan.patches).toEqual([[add(ids(batch + 1, batch + 1))]]);
  });

  it('honours a smaller batch size', () => {
    const plan = planGroupSync({ desiredName: 'G', desiredMemberIds: ids(1, 7), actual: null, batchSize: 3 });
    expect(plan.create?.members).toEqual(ids(1, 3));
    expect(plan.patches).toEqual([[add(ids(4, 6))], [add(ids(7, 7))]]);
  });
});

describe('planGroupSync: existing groups', () => {
  it('an in-step group needs nothing, whatever the order or duplicates', () => {
    const plan = planGroupSync({ desiredName: 'Eng', desiredMemberIds: ['U2', 'U1'], actual: { displayName: 'Eng', memberIds: ['U1', 'U2', 'U1'] } });
    expect(plan).toEqual({ patches: [], summary: { added: 0, removed: 0, renamed: false } });
  });

  it('an existing empty group that should stay empty needs nothing', () => {
    expect(planGroupSync({ desiredName: 'Eng', desiredMemberIds: [], actual: { displayName: 'Eng', memberIds: [] } }).patches).toEqual([]);
  });

  it('adds missing members and removes extra ones, adds first, in one request', () => {
    const plan = planGroupSync({ desiredName: 'Eng', desiredMemberIds: ['U4', 'U1', 'U3'], actual: { displayName: 'Eng', memberIds: ['U5', 'U1', 'U2'] } });
    expect(plan.patches).toEqual([[add(['U3', 'U4']), remove('U2'), remove('U5')]]);
    expect(plan.summary).toEqual({ added: 2, removed: 2, renamed: false });
  });

  it('only adds, or only removes', () => {
    expect(planGroupSync({ desiredName: 'G', desiredMemberIds: ['U1', 'U2'], actual: { displayName: 'G', memberIds: ['U1'] } }).patches).toEqual([[add(['U2'])]]);
    expect(planGroupSync({ desiredName: 'G', desiredMemberIds: ['U1'], actual: { displayName: 'G', memberIds: ['U1', 'U2'] } }).patches).toEqual([[remove('U2')]]);
  });

  it('a group that should become empty gets one remove of all members', () => {
    const plan = planGroupSync({ desiredName: 'Eng', desiredMemberIds: [], actual: { displayName: 'Eng', memberIds: ids(1, 20_000) } });
    expect(plan.patches).toEqual([[{ op: 'remove', path: 'members' }]]);
    expect(plan.summary).toEqual({ added: 0, removed: 20_000, renamed: false });
  });

  it('rename and remove-all travel together, the rename first', () => {
    const plan = planGroupSync({ desiredName: 'Platform', desiredMemberIds: [], actual: { displayName: 'Eng', memberIds: ['U1'] } });
    expect(plan.patches).toEqual([[{ op: 'replace', path: 'displayName', value: 'Platform' }, { op: 'remove', path: 'members' }]]);
    expect(plan.summary).toEqual({ added: 0, removed: 1, renamed: true });
  });

  it('rename only', () => {
    const plan = planGroupSync({ desiredName: 'Platform', desiredMemberIds: ['U1'], actual: { displayName: 'Eng', memberIds: ['U1'] } });
    expect(plan).toEqual({ patches: [[{ op: 'replace', path: 'displayName', value: 'Platform' }]], summary: { added: 0, removed: 0, renamed: true } });
  });

  it('a change of case alone is a rename (Slack keeps the case it was sent)', () => {
    const plan = planGroupSync({ desiredName: 'ENG', desiredMemberIds: [], actual: { displayName: 'Eng', memberIds: [] } });
    expect(plan.patches).toEqual([[{ op: 'replace', path: 'displayName', value: 'ENG' }]]);
  });

  it('the rename goes first in the first request, with membership batches after it', () => {
    const plan = planGroupSync({ desiredName: 'New', desiredMemberIds: ids(1, 5), actual: { displayName: 'Old', memberIds: ids(4, 8) }, batchSize: 2 });
    expect(plan.patches).toEqual([
      [{ op: 'replace', path: 'displayName', value: 'New' }, add(ids(1, 2))],
      [add(ids(3, 3)), remove('U00006')],
      [remove('U00007'), remove('U00008')],
    ]);
  });

  it('adds and removes are packed so that no request passes the batch size', () => {
    const plan = planGroupSync({ desiredName: 'G', desiredMemberIds: ids(1, 4), actual: { displayName: 'G', memberIds: ids(5, 7) }, batchSize: 3 });
    expect(plan.patches).toEqual([[add(ids(1, 3))], [add(ids(4, 4)), remove('U00005'), remove('U00006')], [remove('U00007')]]);
  });

  it('large differences use batches of 5,000 by default', () => {
    const plan = planGroupSync({ desiredName: 'G', desiredMemberIds: ids(1, 8000), actual: { displayName: 'G', memberIds: ids(6001, 9000) } });
    // 6,000 adds and 1,000 removes: 7,000 references, two requests.
    expect(plan.patches.map(memberReferences)).toEqual([5000, 2000]);
    expect(plan.patches[0]).toEqual([add(ids(1, 5000))]);
    expect(plan.patches[1]?.[0]).toEqual(add(ids(5001, 6000)));
    expect(plan.patches[1]?.slice(1)).toEqual(ids(8001, 9000).map(remove));
  });
});

describe('planGroupSync: batch size', () => {
  it('takes any positive integer (Slack\'s hard limit included) and refuses anything else', () => {
    expect(LIMITS.groupMembersPerBatchRecommended).toBeLessThanOrEqual(LIMITS.groupMembersPerRequestMax);
    const max = planGroupSync({ desiredName: 'G', desiredMemberIds: ids(1, LIMITS.groupMembersPerRequestMax), actual: null, batchSize: LIMITS.groupMembersPerRequestMax });
    expect(max.create?.members).toHaveLength(LIMITS.groupMembersPerRequestMax);
    expect(max.patches).toEqual([]);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => planGroupSync({ desiredName: 'G', desiredMemberIds: ['U1'], actual: null, batchSize: bad })).toThrow(RangeError);
    }
  });
});

describe('helpers', () => {
  it('memberRemovalPath quotes like a SCIM string', () => {
    expect(memberRemovalPath('U123')).toBe('members[value eq "U123"]');
    expect(memberRemovalPath('a"b\\c')).toBe('members[value eq "a\\"b\\\\c"]');
  });

  it('memberReferences counts added values and filtered removals, not a remove of all', () => {
    expect(memberReferences([{ op: 'replace', path: 'displayName', value: 'X' }, add(['U1', 'U2']), remove('U3'), { op: 'remove', path: 'members' }])).toBe(3);
    expect(memberReferences([{ op: 'replace', path: 'members', value: { value: 'U1' } }])).toBe(1);
  });
});


describe('planGroupSync: properties over random groups (seeded)', () => {
  const random = prng(0x5eed_6a0c);
  const int = (max: number) => Math.floor(random() * (max + 1));
  const subset = (universe: string[], p: number) => universe.filter(() => random() < p);
  const shuffle = <T>(xs: T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };

  it('reaches the desired group exactly, within the batch size, adds before removes, deterministically', () => {
    for (let round = 0; round < 400; round++) {
      const universe = ids(1, 1 + int(round % 10 === 0 ? 3000 : 60));
      const batchSize = 1 + int(round % 10 === 0 ? 700 : 12);
      const desired = subset(universe, random());
      const actual = random() < 0.25 ? null : { displayName: random() < 0.5 ? 'Eng' : 'Old', memberIds: subset(universe, random()) };
      // Duplicates and any order in the inputs must not matter.
      const input: GroupSyncInput = { desiredName: 'Eng', desiredMemberIds: shuffle([...desired, ...subset(desired, 0.2)]), actual, batchSize };
      const plan = planGroupSync(input);
      const context = `round ${round}, batch ${batchSize}`;

      // Exactly the desired state (an empty group that does not exist stays absent).
      const result = apply(plan, actual);
      if (!actual && desired.length === 0) expect(result, context).toBeNull();
      else {
        expect(result?.displayName, context).toBe('Eng');
        expect([...(result?.members ?? [])].sort(), context).toEqual([...new Set(desired)].sort());
      }

      // No request over the batch size, no empty request, the create included.
      if (plan.create) expect(plan.create.members.length, context).toBeLessThanOrEqual(batchSize);
      for (const request of plan.patches) {
        expect(request.length, context).toBeGreaterThan(0);
        expect(memberReferences(request), context).toBeLessThanOrEqual(batchSize);
      }

      // Minimal: already in step → nothing; otherwise as few requests as the batch size allows.
      const have = new Set(actual?.memberIds ?? []);
      const want = new Set(desired);
      const adds = [...want].filter((id) => !have.has(id)).length;
      const removes = [...have].filter((id) => !want.has(id)).length;
      const renamed = actual !== null && actual.displayName !== 'Eng';
      expect(plan.summary, context).toEqual({ added: adds, removed: removes, renamed });
      if (actual) {
        const references = want.size === 0 ? 0 : adds + removes;
        const needed = want.size === 0 && have.size > 0 ? 1 : Math.ceil(references / batchSize);
        expect(plan.patches.length, context).toBe(Math.max(needed, renamed ? 1 : 0));
      }

      // Order: the rename first; no add after the first remove.
      const ops = plan.patches.flat();
      const renameAt = ops.findIndex((op) => op.path === 'displayName');
      expect(renameAt, context).toBe(renamed ? 0 : -1);
      const firstRemove = ops.findIndex((op) => op.op === 'remove');
      if (firstRemove >= 0) expect(ops.slice(firstRemove).some((op) => op.op === 'add'), context).toBe(false);

      // Deterministic: the same sets in another order give the same plan.
      const again = planGroupSync({ ...input, desiredMemberIds: shuffle([...input.desiredMemberIds]), actual: actual && { ...actual, memberIds: shuffle([...actual.memberIds]) } });
      expect(again, context).toEqual(plan);
    }
  });
});
