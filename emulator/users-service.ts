/** User operations against the store: Slack's cross-user rules (uniqueness, team field limit) and update rules. */
import { LIMITS, SCHEMAS } from '../targets/slack/facts';
import { SlackError } from './errors';
import { compileUserFilter } from './list';
import type { Store } from './store';
import { applyUserPatch } from './users-patch';
import { emptyProfile, normalizeUser, toPatchBase, type GuestInfo, type NormalizedUser, type Profile, type StoredUser, type UserFields } from './users';

export class UserService {
  constructor(private readonly store: Store) {}

  get(id: string): StoredUser {
    const user = this.store.users.get(id);
    if (!user) throw new SlackError('no_such_user');
    return user;
  }

  /** All users in creation order, deactivated ones included (see README). */
  list(filterParam: unknown): StoredUser[] {
    const all = [...this.store.users.values()];
    // Absent: no filter. Present, even empty, it must read (an empty one is no_filters).
    if (filterParam === undefined) return all;
    return all.filter(compileUserFilter(filterParam));
  }

  create(body: unknown): StoredUser {
    const n = normalizeUser(body);
    if (n.fields.guest !== null) this.assertGuestsAllowed();
    // An invalid custom profile on create is not an error: Slack silently drops the whole profile.
    const fields = n.profileValid ? n.fields : { ...n.fields, profile: emptyProfile() };
    this.assertAvailable(fields, undefined);
    this.assertProfileFieldRoom(fields.profile);
    const user: StoredUser = {
      ...fields,
      id: this.store.newUserId(),
      externalId: '', // not stored on create (UNCONFIRMED in Slack; see README)
      active: n.active ?? true,
      created: new Date().toISOString(),
    };
    return this.save(user);
  }

  /** PUT: every attribute is replaced, omitted ones become blank. */
  replace(id: string, body: unknown): StoredUser {
    const user = this.get(id);
    const n = normalizeUser(body);
    if (n.fields.guest !== null) this.assertGuestsAllowed();
    return this.update(user, n);
  }

  /** PATCH: the operations are applied to the current resource, which is then re-validated like a PUT. */
  patch(id: string, body: unknown, location: string): StoredUser {
    const user = this.get(id);
    const base = toPatchBase(user, location);
    const patched = applyUserPatch(structuredClone(base), body);
    if (patched.profileUrl !== base.profileUrl) throw new SlackError('invalid_request_payload', { message: 'PATCH cannot change profileUrl' });
    // userName and nickName are one value in Slack: a changed nickName renames the user.
    if (patched.nickName !== base.nickName && patched.userName === base.userName && typeof patched.nickName === 'string') {
      patched.userName = patched.nickName;
    }
    // A PatchOp body does not list the resource's schemas: an added guest extension is listed here.
    const schemas = Array.isArray(patched.schemas) ? (patched.schemas as unknown[]) : [];
    if (patched[SCHEMAS.guest] !== undefined && !schemas.includes(SCHEMAS.guest)) patched.schemas = [...schemas, SCHEMAS.guest];
    const n = normalizeUser(patched);
    if (n.fields.guest !== null && !sameGuest(n.fields.guest, user.guest)) this.assertGuestsAllowed();
    return this.update(user, n);
  }

  /** DELETE deactivates, never removes; repeating it is harmless. */
  deactivate(id: string): void {
    const user = this.get(id);
    if (user.active) this.save({ ...user, active: false });
  }

  private update(user: StoredUser, n: NormalizedUser): StoredUser {
    if (n.hasPassword) throw new SlackError('password_change_not_allowed');
    if (n.externalId !== undefined && n.externalId !== user.externalId) {
      throw new SlackError('invalid_request_payload', { message: 'externalId cannot be changed' });
    }
    if (!n.profileValid) throw new SlackError('invalid_attribute_format', { message: 'invalid custom profile value' });
    this.assertAvailable(n.fields, user.id);
    this.assertProfileFieldRoom(n.fields.profile);
    // Turning a member into a guest or back reactivates a deactivated user [spec §8], whatever
    // `active` says. Otherwise an omitted `active` keeps the current state.
    const converted = (user.guest === null) !== (n.fields.guest === null);
    return this.save({ ...user, ...n.fields, active: converted ? true : (n.active ?? user.active) });
  }

  /** Multi-channel guests are Enterprise Grid only [spec §8]; the code is the README's choice. */
  private assertGuestsAllowed(): void {
    if (this.store.plan !== 'enterprise_grid') {
      throw new SlackError('cannot_make_user_guest', { message: 'multi-channel guests need Enterprise Grid' });
    }
  }

  private save(user: StoredUser): StoredUser {
    const before = this.store.users.get(user.id);
    // Deactivated users and guests cannot be group members: Slack takes them out of every group (see README).
    if (before && ((before.active && !user.active) || (before.guest === null && user.guest !== null))) {
      this.store.removeFromAllGroups(user.id);
    }
    this.store.saveUser(user);
    for (const field of Object.keys(user.profile.custom)) this.store.profileFields.add(field);
    return user;
  }

  /** userName shares its namespace with channel names; emails stay taken by deactivated users. */
  private assertAvailable(fields: UserFields, selfId: string | undefined): void {
    const nameHolder = this.store.userIdByName(fields.userName);
    if ((nameHolder !== undefined && nameHolder !== selfId) || this.store.hasChannel(fields.userName)) {
      throw new SlackError('username_taken');
    }
    for (const email of [fields.primaryEmail, fields.secondaryEmail]) {
      if (email === null) continue;
      const holder = this.store.userIdByEmail(email);
      if (holder !== undefined && holder !== selfId) throw new SlackError('email_taken');
    }
  }

  /** A value for a field the team does not have yet creates that field; the team may hold 50. */
  private assertProfileFieldRoom(profile: Profile): void {
    const fresh = Object.keys(profile.custom).filter((f) => !this.store.profileFields.has(f));
    if (fresh.length > 0 && this.store.customFieldCount() + fresh.length > LIMITS.customProfileFieldsMax) {
      throw new SlackError('unable_to_create_team_profile_fields');
    }
  }
}

function sameGuest(a: GuestInfo | null, b: GuestInfo | null): boolean {
  return a === null || b === null ? a === b : a.expiration === b.expiration;
}
