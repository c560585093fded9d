/** User operations against the store: Slack's cross-user rules (uniqueness, team field limit) and update rules. */
import { scimPatch, patchBodyValidation, ScimError, type ScimPatch, type ScimResource } from 'scim-patch';
import { LIMITS, SCHEMAS } from '../core/slack';
import { SlackError } from './errors';
import { compileUserFilter } from './list';
import type { Store } from './store';
import { emptyProfile, normalizeUser, toPatchBase, type GuestInfo, type NormalizedUser, type Profile, type StoredUser, type UserFields } from './users';

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
    const patched = applyPatchOps(structuredClone(base), body);
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

/** Extension URNs a PatchOp may address as a whole (scim-patch reads such a path as `<urn up to the last colon>` + attribute). */
const EXTENSIONS = [SCHEMAS.enterprise, SCHEMAS.profile, SCHEMAS.guest];

function extensionUrn(key: string): string | undefined {
  return EXTENSIONS.find((urn) => urn.toLowerCase() === key.trim().toLowerCase());
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** add merges into the extension object, replace sets it, remove deletes it. */
function applyToExtension(doc: Record<string, unknown>, op: string, urn: string, value: unknown): void {
  if (op === 'remove') {
    delete doc[urn];
    return;
  }
  if (!isPlainObject(value)) throw new SlackError('invalid_request_payload', { message: `${urn} needs an object value` });
  const current = doc[urn];
  doc[urn] = op === 'add' && isPlainObject(current) ? { ...current, ...value } : { ...value };
}

type PatchOperation = ScimPatch['Operations'][number];

/**
 * Applies a v2 PatchOp body (mutating `doc`): operations on a whole extension (its URN as path, or as a
 * key of a path-less value) are applied here, everything else with scim-patch, in the body's order.
 * A malformed body or operation is Slack's invalid_request_payload.
 */
function applyPatchOps(doc: Record<string, unknown>, body: unknown): Record<string, unknown> {
  try {
    patchBodyValidation(body as ScimPatch);
    let current = doc;
    const apply = (op: PatchOperation) => {
      current = scimPatch(current as unknown as ScimResource, [op], { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Record<string, unknown>;
    };
    for (const op of (body as ScimPatch).Operations) {
      const kind = op.op.toLowerCase();
      const raw = op as { path?: unknown; value?: unknown };
      const urn = typeof raw.path === 'string' ? extensionUrn(raw.path) : undefined;
      if (urn) {
        applyToExtension(current, kind, urn, raw.value);
      } else if (raw.path === undefined && isPlainObject(raw.value)) {
        const rest: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(raw.value)) {
          const keyUrn = extensionUrn(key);
          if (keyUrn) applyToExtension(current, kind, keyUrn, value);
          else rest[key] = value;
        }
        if (Object.keys(rest).length > 0) apply({ ...op, value: rest } as PatchOperation);
      } else {
        apply(op);
      }
    }
    return current;
  } catch (err) {
    if (err instanceof ScimError || err instanceof TypeError) {
      throw new SlackError('invalid_request_payload', { message: err.message });
    }
    throw err;
  }
}
