import type { PatchOperation } from '../mapping';

/**
 * What to send a target so that one of its groups matches one directory group's membership and name: pure
 * planning, no I/O. Written for Slack's user groups (its rules below); RFC 7644 servers take the same PatchOp forms.
 * Source: shared spec slack-scim.md §4 (PatchOp forms, member limits), requirement G1, and the
 * seed's "Group Management Considerations".
 *
 * Choices:
 * - Members travel in batches of at most the target's batch size (Slack: its recommended 5,000, far
 *   under its hard limit of 15,000 per POST/PATCH/PUT, above which it refuses the whole request,
 *   `too_many_users`). Smaller requests also hold Slack's per-group write lock for less time, and a
 *   failed one costs less to resend.
 * - A batch counts every member reference in the request: each ID of an `add` and each
 *   `members[value eq "…"]` removal (one each). Slack only documents the limit for members sent, so
 *   counting removals too is the stricter reading.
 * - Empty groups are not created (G1, seed): a group appears in Slack with its first members.
 * - A new group is POSTed with its first batch; the rest follow as `add` PATCHes. PUT is never used:
 *   it replaces the whole member list, so one PUT could not stay under the batch size, and a PUT
 *   without `members` empties the group.
 * - Membership changes are PATCHes of the difference (`add` of missing members, one filtered `remove`
 *   per extra member): nothing is sent for members already right, and an in-step group costs nothing.
 *   `remove` with path `members` removes *every* member in Slack, so it is used only when the group
 *   should become empty, where one operation replaces any number of single removals.
 * - Order: the rename first (in the first request), then adds, then removes. Should a sync stop half
 *   way, people who should have the group already have it; removals are what is left to do. A rename
 *   Slack refuses (name taken, `group_creation_failed`) fails before any membership change.
 * - Renames compare names exactly: Slack keeps the case it was sent, so a case-only change is a rename.
 * - Deterministic: member IDs are deduplicated and sorted (by code unit, never by locale), so the same
 *   input always gives the same requests, which keeps retries and workflow replays identical.
 */

export type GroupSyncInput = {
  /** The directory group's name: the name the Slack group should have. */
  desiredName: string;
  /** Slack user IDs that should be members (already resolved from directory users). */
  desiredMemberIds: readonly string[];
  /** The Slack group as it is, or null when there is none yet. */
  actual: { displayName: string; memberIds: readonly string[] } | null;
  /** Most member references per request (the target's: Slack recommends 5,000, refuses more than 15,000). */
  batchSize: number;
};

export type GroupSyncPlan = {
  /** POST /Groups: the name and the first batch of members (only when no group exists yet). */
  create?: { displayName: string; members: string[] };
  /** PATCH /Groups/<id> requests, in order; each inner array is one request's Operations. */
  patches: PatchOperation[][];
  summary: { added: number; removed: number; renamed: boolean };
};

/** `members[value eq "U123"]`: the path that removes one member. */
export function memberRemovalPath(userId: string): string {
  return `members[value eq "${userId.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`;
}

/**
 * Member references in one PATCH request, counted as the plan counts them: every member value of an
 * `add` or `replace` on `members`, and one for each filtered `remove`. A `remove` of all members names none.
 */
export function memberReferences(operations: readonly PatchOperation[]): number {
  let n = 0;
  for (const op of operations) {
    const path = op.path ?? '';
    if ((op.op === 'add' || op.op === 'replace') && path === 'members') n += Array.isArray(op.value) ? op.value.length : 1;
    else if (op.op === 'remove' && path.startsWith('members[')) n += 1;
  }
  return n;
}

/** The requests and summary that bring the target's group to the directory's. Throws RangeError on a bad batchSize. */
export function planGroupSync(input: GroupSyncInput): GroupSyncPlan {
  const { batchSize } = input;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const nothing = (): GroupSyncPlan => ({ patches: [], summary: { added: 0, removed: 0, renamed: false } });

  const { actual, desiredName } = input;

  const desired = sortedUnique(input.desiredMemberIds);

  if (!actual) {
    if (desired.length === 0) return nothing(); // empty groups are not created (G1)
    const [first = [], ...rest] = chunk(desired, batchSize);
    return {
      create: { displayName: desiredName, members: first },
      patches: rest.map((ids) => [addMembers(ids)]),
      summary: { added: desired.length, removed: 0, renamed: false },
    };
  }

  const have = sortedUnique(actual.memberIds);
  const haveSet = new Set(have);
  const wantSet = new Set(desired);
  const adds = desired.filter((id) => !haveSet.has(id));
  const removes = have.filter((id) => !wantSet.has(id));
  const renamed = actual.displayName !== desiredName;
  const rename: PatchOperation[] = renamed ? [{ op: 'replace', path: 'displayName', value: desiredName }] : [];

  let requests: PatchOperation[][];
  if (desired.length === 0 && have.length > 0) {
    // The group should end up empty: one `remove` of `members` clears it whatever its size.
    requests = [[...rename, { op: 'remove', path: 'members' }]];
  } else {
    // Adds then removes, as one sequence of member references cut into batches.
    const references: { kind: 'add' | 'remove'; id: string }[] = [
      ...adds.map((id) => ({ kind: 'add' as const, id })),
      ...removes.map((id) => ({ kind: 'remove' as const, id })),
    ];
    requests = chunk(references, batchSize).map((batch) => {
      const ops: PatchOperation[] = [];
      const added = batch.filter((r) => r.kind === 'add').map((r) => r.id);
      if (added.length > 0) ops.push(addMembers(added));
      for (const r of batch) if (r.kind === 'remove') ops.push({ op: 'remove', path: memberRemovalPath(r.id) });
      return ops;
    });
    if (rename.length > 0) {
      const [first] = requests;
      if (first) first.unshift(...rename);
      else requests = [rename];
    }
  }
  return { patches: requests, summary: { added: adds.length, removed: removes.length, renamed } };
}

function addMembers(ids: readonly string[]): PatchOperation {
  return { op: 'add', path: 'members', value: ids.map((value) => ({ value })) };
}

/** Deduplicated and sorted by UTF-16 code unit: locale-independent, so the plan is the same everywhere. */
function sortedUnique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
