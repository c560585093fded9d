/**
 * Slack's user semantics as pure functions: a SCIM request body becomes the user Slack would
 * store (normalizeUser), and a stored user becomes the SCIM resource Slack would answer (toScimUser).
 * No store access here: uniqueness and team-wide limits are checked by users-service.ts.
 */
import { LIMITS, SCHEMAS, type SlackErrorCode } from '../targets/slack/facts';
import { SlackError } from './errors';

export interface Address {
  streetAddress: string | null;
  locality: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
}

const ADDRESS_KEYS = ['streetAddress', 'locality', 'region', 'postalCode', 'country'] as const;
const ENTERPRISE_KEYS = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const;

/** Attributes Slack keeps as team-defined custom profile fields [spec §3]; `manager` is manager.managerId. */
export const CUSTOM_FIELDS = [
  'userType', 'preferredLanguage', 'locale', 'honorificPrefix', 'startDate', ...ENTERPRISE_KEYS, 'manager',
] as const;
export type CustomField = (typeof CUSTOM_FIELDS)[number];

/** Longest custom profile value the emulator accepts (not documented by Slack; see README). */
const CUSTOM_VALUE_MAX = 256;

/** Everything Slack keeps in a user's profile: dropped as a whole when a created profile is invalid. */
export interface Profile {
  title: string | null;
  primaryPhone: string | null;
  mobilePhone: string | null;
  address: Address | null;
  photo: string | null;
  role: string | null;
  timezone: string | null;
  profileUrl: string | null;
  custom: Partial<Record<CustomField, string>>;
}

/** The Slack guest extension: a multi-channel guest (Enterprise Grid only), with an optional expiry. */
export interface GuestInfo {
  expiration: string | null;
}

/** What a create or full update determines; nickName is always the userName. */
export interface UserFields {
  userName: string;
  givenName: string | null;
  familyName: string | null;
  /** null: falls back to userName in responses. */
  displayName: string | null;
  primaryEmail: string;
  secondaryEmail: string | null;
  profile: Profile;
  /** null: a full member. */
  guest: GuestInfo | null;
}

export interface StoredUser extends UserFields {
  id: string;
  externalId: string;
  active: boolean;
  created: string;
}

export interface NormalizedUser {
  fields: UserFields;
  active: boolean | undefined;
  /** As sent (null/"" read as ""), undefined when absent. */
  externalId: string | undefined;
  hasPassword: boolean;
  /** false when a custom profile value is invalid: create drops the profile, updates are refused. */
  profileValid: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(code: SlackErrorCode, message?: string): never {
  throw new SlackError(code, { message });
}

/** null/undefined/"" mean "not set". */
function isBlank(v: unknown): v is null | undefined | '' {
  return v === undefined || v === null || v === '';
}

function optString(v: unknown, code: SlackErrorCode): string | null {
  if (isBlank(v)) return null;
  if (typeof v !== 'string') fail(code);
  return v;
}

export function emptyProfile(): Profile {
  return {
    title: null, primaryPhone: null, mobilePhone: null, address: null, photo: null, role: null,
    timezone: null, profileUrl: null, custom: {},
  };
}

// Words Slack keeps for mentions and its own bot.
const RESERVED_USERNAMES = new Set(['channel', 'everyone', 'here', 'group', 'slackbot']);

export function normalizeUserName(raw: unknown): string {
  if (raw === undefined || raw === null) fail('username_required');
  if (typeof raw !== 'string') fail('username_invalid');
  let name = raw.trim();
  if (!name) fail('username_empty');
  // An email given as userName becomes its local part, like Slack's own conversion.
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  name = name.toLowerCase().replace(/[^a-z0-9._-]/g, '_');
  if (!name) fail('username_invalid');
  if (name.length > LIMITS.userNameMax) fail('username_too_long');
  if (RESERVED_USERNAMES.has(name)) fail('username_not_allowed');
  return name;
}

// Allowed: any non-ASCII character, ASCII letters and digits, space and . _ - ' { } [ ] , / ;
const DISPLAY_NAME_CHARS = /^(?:[^\x00-\x7F]|[A-Za-z0-9 ._\-'{}\[\],\/;])*$/u;

export function normalizeDisplayName(raw: unknown): string | null {
  if (isBlank(raw)) return null;
  if (typeof raw !== 'string') fail('invalid_attribute_format');
  if ([...raw].length > LIMITS.displayNameMax) fail('invalid_name_maxlength');
  if (raw.startsWith('@')) fail('invalid_starts_with_at');
  if (!DISPLAY_NAME_CHARS.test(raw)) fail('invalid_name_specials');
  return raw;
}

function normalizeName(raw: unknown): { givenName: string | null; familyName: string | null } {
  if (raw === undefined || raw === null) return { givenName: null, familyName: null };
  if (!isObject(raw)) fail('invalid_attribute_format');
  const sent = [raw.givenName, raw.familyName].filter((p): p is string => typeof p === 'string');
  if (sent.length > 0 && sent.every((p) => !p.trim())) fail('invalid_name_required');
  return {
    givenName: optString(raw.givenName, 'invalid_attribute_format'),
    familyName: optString(raw.familyName, 'invalid_attribute_format'),
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Primary is primary:true, else type "work", else array order; one more is kept as secondary. */
function normalizeEmails(raw: unknown): { primaryEmail: string; secondaryEmail: string | null } {
  if (raw === undefined || raw === null) fail('missing_primary_email');
  if (!Array.isArray(raw)) fail('emails_invalid');
  if (raw.length === 0) fail('missing_primary_email');
  const emails = raw.map((e: unknown) => {
    if (!isObject(e) || typeof e.value !== 'string' || !EMAIL.test(e.value)) fail('emails_invalid');
    return { value: e.value, primary: e.primary === true, type: e.type };
  });
  const primary = emails.find((e) => e.primary) ?? emails.find((e) => e.type === 'work') ?? emails[0]!;
  const secondary = emails.find((e) => e !== primary && e.value.toLowerCase() !== primary.value.toLowerCase());
  return { primaryEmail: primary.value, secondaryEmail: secondary?.value ?? null };
}

/** type "mobile" → primaryPhone; type "work" or primary:false → mobilePhone; others fill what is left. */
function normalizePhones(raw: unknown): { primaryPhone: string | null; mobilePhone: string | null } {
  let primaryPhone: string | null = null;
  let mobilePhone: string | null = null;
  if (raw === undefined || raw === null) return { primaryPhone, mobilePhone };
  if (!Array.isArray(raw)) fail('phoneNumbers_invalid');
  const phones = raw.flatMap((p: unknown) => {
    if (!isObject(p)) fail('phoneNumbers_invalid');
    const value = optString(p.value, 'phoneNumbers_invalid');
    return value === null ? [] : [{ value, type: p.type, primary: p.primary }];
  });
  const untyped: string[] = [];
  for (const p of phones) {
    if (p.type === 'mobile') primaryPhone ??= p.value;
    else if (p.type === 'work' || p.primary === false) mobilePhone ??= p.value;
    else untyped.push(p.value);
  }
  for (const value of untyped) {
    if (primaryPhone === null) primaryPhone = value;
    else mobilePhone ??= value;
  }
  return { primaryPhone, mobilePhone };
}

/** One address: primary, else type "work", else first; the type itself is not stored. */
function normalizeAddress(raw: unknown): Address | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) fail('addresses_invalid');
  const entries = raw.flatMap((a: unknown) => {
    if (!isObject(a)) fail('addresses_invalid');
    const address = Object.fromEntries(ADDRESS_KEYS.map((k) => [k, optString(a[k], 'addresses_invalid')])) as unknown as Address;
    const empty = ADDRESS_KEYS.every((k) => address[k] === null);
    return empty ? [] : [{ address, primary: a.primary === true, type: a.type }];
  });
  const chosen = entries.find((e) => e.primary) ?? entries.find((e) => e.type === 'work') ?? entries[0];
  return chosen?.address ?? null;
}

/** One value of a single-stored multi-valued attribute (photos, roles): primary, else first. */
function pickOne(raw: unknown, code: SlackErrorCode, valid: (v: string) => boolean = () => true): string | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) fail(code);
  const entries = raw.flatMap((e: unknown) => {
    if (!isObject(e)) fail(code);
    const value = optString(e.value, code);
    if (value !== null && !valid(value)) fail(code);
    return value === null ? [] : [{ value, primary: e.primary === true }];
  });
  return (entries.find((e) => e.primary) ?? entries[0])?.value ?? null;
}

const PHOTO_URL = /^(https?:\/\/\S+|data:\S+)$/i;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function isIso8601(v: string): boolean {
  return ISO_8601.test(v) && !Number.isNaN(Date.parse(v));
}

/** Collects the raw custom profile values from their SCIM locations. */
function readCustom(body: Json, name: unknown): Partial<Record<CustomField, unknown>> {
  const raw: Partial<Record<CustomField, unknown>> = {
    userType: body.userType,
    preferredLanguage: body.preferredLanguage,
    locale: body.locale,
    honorificPrefix: isObject(name) ? name.honorificPrefix : undefined,
  };
  const enterprise = body[SCHEMAS.enterprise];
  if (enterprise !== undefined && enterprise !== null) {
    if (!isObject(enterprise)) fail('improper_enterprise_schema_format');
    for (const k of ENTERPRISE_KEYS) raw[k] = enterprise[k];
    const manager = enterprise.manager;
    if (manager !== undefined && manager !== null) {
      if (!isObject(manager) || isBlank(manager.managerId)) fail('improper_enterprise_schema_format');
      raw.manager = manager.managerId;
    }
  }
  const profile = body[SCHEMAS.profile];
  if (profile !== undefined && profile !== null) {
    if (!isObject(profile)) fail('invalid_attribute_format');
    raw.startDate = profile.startDate;
  }
  return raw;
}

function validateCustom(raw: Partial<Record<CustomField, unknown>>): { custom: Profile['custom']; valid: boolean } {
  const custom: Profile['custom'] = {};
  let valid = true;
  for (const field of CUSTOM_FIELDS) {
    const v = raw[field];
    if (isBlank(v)) continue;
    if (typeof v !== 'string' || v.length > CUSTOM_VALUE_MAX || (field === 'startDate' && !isIso8601(v))) valid = false;
    else custom[field] = v;
  }
  return { custom, valid };
}

/** Guest extension [spec §3]: `type` must be "multi" (no single-channel guests), `expiration` ISO 8601. */
function normalizeGuest(raw: unknown): GuestInfo | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) fail('invalid_attribute_format', 'the guest extension must be an object');
  if (raw.type !== 'multi') fail('invalid_attribute_format', 'guest type must be "multi"');
  const expiration = optString(raw.expiration, 'invalid_attribute_format');
  if (expiration !== null && !isIso8601(expiration)) fail('invalid_attribute_format', 'guest expiration must be ISO 8601');
  return { expiration };
}

/** An extension's URN must be listed in `schemas` when it is sent [spec §3]. */
function checkSchemas(body: Json): void {
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(SCHEMAS.user)) fail('missing_schema_element', 'schemas must list the core User schema');
  for (const urn of [SCHEMAS.enterprise, SCHEMAS.profile, SCHEMAS.guest]) {
    if (body[urn] !== undefined && !schemas.includes(urn)) fail('missing_schema_element', `schemas must list ${urn}`);
  }
}

/** A full user (POST or PUT body, or a patched resource) → what Slack would store. Throws SlackError. */
export function normalizeUser(body: unknown): NormalizedUser {
  if (!isObject(body)) fail('invalid_request_payload');
  checkSchemas(body);
  const userName = normalizeUserName(body.userName);
  if (body.nickName !== undefined && body.nickName !== null) {
    if (typeof body.nickName !== 'string') fail('invalid_attribute_format');
    if (body.nickName.length > LIMITS.nickNameMax) fail('long_nickname');
  }
  const name = normalizeName(body.name);
  const displayName = normalizeDisplayName(body.displayName);
  const emails = normalizeEmails(body.emails);
  const { custom, valid } = validateCustom(readCustom(body, body.name));
  const guest = normalizeGuest(body[SCHEMAS.guest]);
  const profile: Profile = {
    title: optString(body.title, 'invalid_attribute_format'),
    ...normalizePhones(body.phoneNumbers),
    address: normalizeAddress(body.addresses),
    photo: pickOne(body.photos, 'photos_invalid', (v) => PHOTO_URL.test(v)),
    role: pickOne(body.roles, 'roles_invalid'),
    timezone: optString(body.timezone, 'invalid_attribute_format'),
    profileUrl: optString(body.profileUrl, 'invalid_attribute_format'),
    custom,
  };
  if (body.active !== undefined && typeof body.active !== 'boolean') fail('invalid_attribute_format');
  const externalId = body.externalId === undefined ? undefined : (optString(body.externalId, 'invalid_attribute_format') ?? '');
  return {
    fields: { userName, ...name, displayName, ...emails, profile, guest },
    active: body.active,
    externalId,
    hasPassword: !isBlank(body.password),
    profileValid: valid,
  };
}

/**
 * Stored user → Slack's SCIM v2 resource. Every stored attribute is always present; never-set
 * ones are null, and never-set multi-valued ones are one element full of nulls, as Slack shows them.
 * The guest extension appears on guests only. `groups` is read-only: the user's memberships.
 */
export function toScimUser(u: StoredUser, location: string, groups: ReadonlyArray<{ value: string; display: string }> = []): Json {
  const p = u.profile;
  const c = p.custom;
  // Typed as a request would target them [spec §3: type "mobile" → primaryPhone, "work" → mobilePhone],
  // so a number reads back with the type it was sent with and a resent resource moves nothing.
  const phones = [
    ...(p.primaryPhone !== null ? [{ value: p.primaryPhone, type: 'mobile', primary: true }] : []),
    ...(p.mobilePhone !== null ? [{ value: p.mobilePhone, type: 'work', primary: false }] : []),
  ];
  const noAddress = Object.fromEntries(ADDRESS_KEYS.map((k) => [k, null]));
  return {
    schemas: [SCHEMAS.user, SCHEMAS.enterprise, SCHEMAS.profile, ...(u.guest ? [SCHEMAS.guest] : [])],
    id: u.id,
    externalId: u.externalId,
    meta: { created: u.created, location },
    userName: u.userName,
    nickName: u.userName,
    name: { givenName: u.givenName, familyName: u.familyName, honorificPrefix: c.honorificPrefix ?? null },
    displayName: u.displayName ?? u.userName,
    profileUrl: p.profileUrl,
    title: p.title,
    timezone: p.timezone,
    userType: c.userType ?? null,
    preferredLanguage: c.preferredLanguage ?? null,
    locale: c.locale ?? null,
    active: u.active,
    emails: [
      { value: u.primaryEmail, primary: true },
      ...(u.secondaryEmail !== null ? [{ value: u.secondaryEmail, primary: false }] : []),
    ],
    phoneNumbers: phones.length > 0 ? phones : [{ value: null, type: null, primary: null }],
    addresses: [p.address ? { ...p.address, primary: true } : { ...noAddress, primary: null }],
    photos: [{ value: p.photo, type: p.photo !== null ? 'photo' : null }],
    roles: [{ value: p.role, primary: p.role !== null ? true : null }],
    groups: groups.map((g) => ({ ...g })),
    [SCHEMAS.enterprise]: {
      ...Object.fromEntries(ENTERPRISE_KEYS.map((k) => [k, c[k] ?? null])),
      manager: { managerId: c.manager ?? null },
    },
    [SCHEMAS.profile]: { startDate: c.startDate ?? null },
    ...(u.guest ? { [SCHEMAS.guest]: { type: 'multi', expiration: u.guest.expiration } } : {}),
  };
}

/** Drops nulls, null-only elements and emptied containers, so a PATCH `add` appends to real values only. */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(stripNulls).filter((x) => x !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (isObject(v)) {
    const entries = Object.entries(v).map(([k, x]) => [k, stripNulls(x)] as const).filter(([, x]) => x !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return v === null ? undefined : v;
}

/**
 * The document a PATCH is applied to: the response without placeholders, read-only `groups`
 * or the displayName fallback (so a later userName change still moves the fallback).
 */
export function toPatchBase(u: StoredUser, location: string): Json {
  const resource = toScimUser(u, location);
  delete resource.groups;
  if (u.displayName === null) delete resource.displayName;
  return stripNulls(resource) as Json;
}
