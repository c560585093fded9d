/** User operations against the store: Slack's cross-user rules (uniqueness, team field limit) and update rules. */
import { scimPatch, patchBodyValidation, ScimError, type ScimPatch, type ScimResource } from 'scim-patch';
import { LIMITS } from '../core/slack';
import { SlackError } from './errors';
import { compileUserFilter } from './list';
import type { Store } from './store';
import { emptyProfile, normalizeUser, toPatchBase, type NormalizedUser, type Profile, type StoredUser, type UserFields } from './users';

export class UserService {
  constructor(private readonly store: Store) {}

  get(id: string): StoredUser {
    const user = this.store.users.get(id);
    if (!user) throw new SlackError('no_such_user');
    return user;
  }

  /** All users in creation order, deactivated ones included (see README). */
  list(filterExpression: string | undefined): StoredUser[] {
    const all = [...this.store.users.values()];
    if (filterExpression === undefined || filterExpression === '') return all;
    return all.filter(compileUserFilter(filterExpression));
  }

  create(body: unknown): StoredUser {
    const n = normalizeUser(body);
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
    return this.update(user, normalizeUser(body));
  }

  /** PATCH: the operations are applied to the current resource, which is then re-validated like a PUT. */
  patch(id: string, body: unknown, location: string): StoredUser {
    const user = this.get(id);
    const base = toPatchBase(user, location);
    const patched = applyPatchOps(structuredClone(base), body);
    if (patched.profileUrl !== base.profileUrl) throw new SlackError('invalid_request_payload', { message: 'PATCH cannot change profileUrl' });
    // userName and nickName are one value in Slack: a changed nickName renames the user.
    if (patched.nickName !== base.nickName && patched.userName === base.userName && typeof patched.nickName === 'string') {
      patched.userName = patched.nickName;
    }
    return this.update(user, normalizeUser(patched));
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
    // An omitted `active` keeps the current state: deactivation only happens on request.
    return this.save({ ...user, ...n.fields, active: n.active ?? user.active });
  }

  private save(user: StoredUser): StoredUser {
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

/** Applies a v2 PatchOp body with scim-patch (mutating `doc`); a malformed body or operation is Slack's invalid_request_payload. */
function applyPatchOps(doc: Record<string, unknown>, body: unknown): Record<string, unknown> {
  try {
    patchBodyValidation(body as ScimPatch);
    const ops = (body as ScimPatch).Operations;
    return scimPatch(doc as unknown as ScimResource, [...ops], { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ScimError || err instanceof TypeError) {
      throw new SlackError('invalid_request_payload', { message: err.message });
    }
    throw err;
  }
}
