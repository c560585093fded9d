/** Group operations against the store: member rules, name uniqueness, Slack-managed and disabled groups. */
import { SlackError } from './errors';
import { applyGroupPatch, normalizeGroup, normalizeGroupName, parseGroupPatch, type GroupFields, type StoredGroup } from './groups';
import { compileGroupFilter } from './list';
import type { Store } from './store';

/** A user's `groups` entry. */
export interface GroupRef {
  value: string;
  display: string;
}

export class GroupService {
  constructor(private readonly store: Store) {}

  get(id: string): StoredGroup {
    const group = this.store.groups.get(id);
    if (!group) throw new SlackError('no_such_group');
    return group;
  }

  /** All groups in creation order, Slack-managed and disabled ones included (see README). */
  list(filterParam: unknown): StoredGroup[] {
    const all = [...this.store.groups.values()];
    // Absent: no filter. Present, even empty, it must read (an empty one is no_filters).
    if (filterParam === undefined) return all;
    return all.filter(compileGroupFilter(filterParam));
  }

  create(body: unknown): StoredGroup {
    const fields = normalizeGroup(body);
    return this.insert(fields, false);
  }

  /** Test control: a group Slack generated itself, which SCIM can read but not change. */
  createSlackManaged(displayName: string, members: string[]): StoredGroup {
    return this.insert({ displayName: normalizeGroupName(displayName), members: [...new Set(members)] }, true);
  }

  /** PUT: displayName and members are replaced; no `members` empties the group. */
  replace(id: string, body: unknown): StoredGroup {
    const group = this.writable(id);
    const fields = normalizeGroup(body);
    return this.update(group, fields, fields.members);
  }

  /** PATCH (v2 PatchOp): add/replace/remove members, replace displayName. */
  patch(id: string, body: unknown): StoredGroup {
    const group = this.writable(id);
    const ops = parseGroupPatch(body);
    const { requested, ...fields } = applyGroupPatch({ displayName: group.displayName, members: [...group.members] }, ops);
    return this.update(group, fields, requested);
  }

  /** DELETE is permanent; the member accounts are untouched. */
  delete(id: string): void {
    this.writable(id);
    this.store.groups.delete(id);
  }

  /** Test control: Slack disabled the group (as when its IdP removed it). Nothing re-enables it. */
  disable(id: string): StoredGroup {
    const group = this.get(id);
    group.disabled = true;
    return group;
  }

  /** The `groups` attribute of one user. */
  refsOf(userId: string): GroupRef[] {
    const refs: GroupRef[] = [];
    for (const g of this.store.groups.values()) if (g.members.has(userId)) refs.push({ value: g.id, display: g.displayName });
    return refs;
  }

  /** The `groups` attribute of every user at once (for lists). */
  refsByUser(): Map<string, GroupRef[]> {
    const byUser = new Map<string, GroupRef[]>();
    for (const g of this.store.groups.values()) {
      for (const userId of g.members) {
        let refs = byUser.get(userId);
        if (!refs) byUser.set(userId, (refs = []));
        refs.push({ value: g.id, display: g.displayName });
      }
    }
    return byUser;
  }

  /** A member's `display`: the user's display name, falling back to the userName like the user resource. */
  displayOf(userId: string): string {
    const user = this.store.users.get(userId);
    return user ? (user.displayName ?? user.userName) : userId;
  }

  private insert(fields: GroupFields, slackManaged: boolean): StoredGroup {
    this.assertNameFree(fields.displayName, undefined);
    this.assertMembersAllowed(fields.members);
    const group: StoredGroup = {
      id: this.store.newGroupId(),
      displayName: fields.displayName,
      members: new Set(fields.members),
      created: new Date().toISOString(),
      slackManaged,
      disabled: false,
    };
    this.store.groups.set(group.id, group);
    return group;
  }

  private update(group: StoredGroup, fields: GroupFields, requested: string[]): StoredGroup {
    this.assertNameFree(fields.displayName, group.id);
    this.assertMembersAllowed(requested);
    group.displayName = fields.displayName;
    group.members = new Set(fields.members);
    return group;
  }

  /**
   * Slack-generated subteams cannot be updated through SCIM → 403 permission_denied; a disabled group
   * cannot be written either → 400 group_members_create_failed (codes chosen in the README).
   */
  private writable(id: string): StoredGroup {
    const group = this.get(id);
    if (group.slackManaged) throw new SlackError('permission_denied', { message: 'Slack-managed groups cannot be changed through SCIM' });
    if (group.disabled) throw new SlackError('group_members_create_failed', { message: 'the group is disabled in Slack' });
    return group;
  }

  /** Group names are unique in the org, case-insensitively, disabled and Slack-managed groups included. */
  private assertNameFree(displayName: string, selfId: string | undefined): void {
    const wanted = displayName.toLowerCase();
    for (const g of this.store.groups.values()) {
      if (g.id !== selfId && g.displayName.toLowerCase() === wanted) {
        throw new SlackError('group_creation_failed', { message: `a group named ${g.displayName} already exists${g.disabled ? ' (disabled)' : ''}` });
      }
    }
  }

  /** Every member named by the request must be an existing, active, non-guest user. */
  private assertMembersAllowed(ids: string[]): void {
    for (const id of ids) {
      const user = this.store.users.get(id);
      // A body naming an unknown user is a bad request, not a missing resource: 400, not 404.
      if (!user) throw new SlackError('no_such_user', { status: 400, message: `no user ${id}` });
      if (!user.active || user.guest !== null) throw new SlackError('unable_to_add_deleted_or_guest_to_group', { message: `user ${id}` });
    }
  }
}
