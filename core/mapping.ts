import type { DirectoryUser } from './directory';
import { SCIM_URNS } from './scim';
import { ScimUserPayload, type ScimUser } from './scim-user';
import { parseSegment, parseSelector, splitPath } from './scim-path';

/**
 * The seed's "Slack User Attributes" table as data: one row per line, each saying where a directory
 * attribute lands in Slack's SCIM v2 user. The create body (`toScimUser`) and the update
 * (`diffScimUser`) are both derived from these rows, so a mapping change is a one-row change.
 */

export type MappingOptions = {
  /**
   * Send `displayName`. Off by default: the seed requires Slack's "Allow users to choose their own
   * display name" to be off, and with it on Slack refuses the value (invalid_display_name).
   */
  sendDisplayName?: boolean;
};

/** When a row is sent. */
export type RowSync =
  | 'always' // sent on create and kept in step by PATCH
  | 'create' // sent on create only: Slack cannot change it afterwards
  | 'never'; // kept for the record, never sent

export type MappingRow = {
  /**
   * SCIM path: `a.b` nests, `a[].b` spreads a list (element i from item i of `read`'s array),
   * `a[k=v,...].b` targets the one element with those attributes, `urn:...:User:attr` is an extension.
   */
  scim: string;
  /** The directory attribute, as the seed names it. */
  directory: string;
  read: (user: DirectoryUser) => unknown;
  sync: RowSync;
  note: string;
  /** Only sent when this option is on. */
  optIn?: keyof MappingOptions;
  /** Not a line of the seed's table. */
  extra?: true;
};

export type PatchOperation = { op: 'add' | 'replace' | 'remove'; path?: string; value?: unknown };

const ENT = SCIM_URNS.enterprise;

export const USER_MAPPING: readonly MappingRow[] = [
  { scim: 'externalId', directory: 'id', read: (u) => u.id, sync: 'create',
    note: 'PATCH/PUT cannot change it and Slack may not keep it: never used for matching (Slack matches on userName and email only).' },
  { scim: 'userName', directory: 'username', read: (u) => u.username, sync: 'always',
    note: 'Slack lowercases it and allows at most 21 characters: compared case-insensitively.' },
  { scim: 'password', directory: 'password', read: (u) => u.password || undefined, sync: 'create',
    note: 'Only when a cleartext password is available; Slack refuses later changes (password_change_not_allowed) and never returns it.' },
  { scim: 'name.givenName', directory: 'firstName', read: (u) => u.firstName, sync: 'always', note: 'Part of the Full Name.' },
  { scim: 'name.familyName', directory: 'lastName', read: (u) => u.lastName, sync: 'always', note: 'Part of the Full Name.' },
  { scim: 'name.middleName', directory: 'middleName', read: (u) => u.middleName, sync: 'always',
    note: 'Sent as the seed says, though whether Slack stores it is unconfirmed: only kept in step while Slack reports one back.' },
  { scim: 'displayName', directory: 'displayName', read: (u) => u.displayName, sync: 'always', optIn: 'sendDisplayName',
    note: 'The seed writes name.displayName; in SCIM it is the top-level displayName. Only sent with sendDisplayName.' },
  { scim: 'emails[type=work,primary=true].value', directory: 'email', read: (u) => u.email, sync: 'always',
    note: 'The primary work email; Slack echoes value and primary only. Compared case-insensitively.' },
  { scim: 'active', directory: '!suspended && !passwordExpired', read: (u) => !u.suspended && !u.passwordExpired, sync: 'always',
    note: 'false deactivates; true reactivates.' },
  { scim: 'title', directory: 'jobTitle', read: (u) => u.jobTitle, sync: 'always',
    note: 'Slack also copies it to "What I do", overriding user edits there.' },
  { scim: 'location', directory: 'meta.location', read: (u) => u.location, sync: 'never',
    note: 'Slack\'s SCIM user has no location attribute. Not sent: an address locality means a city, not an office, and a custom profile field counts against the 50-field limit and, if refused on create, drops every profile field.' },
  { scim: 'addresses[].type', directory: 'addresses[].type', read: (u) => u.addresses.map((a) => a.type), sync: 'always',
    note: 'Slack does not store type; it only picks the stored address when none is primary.' },
  { scim: 'addresses[].streetAddress', directory: 'addresses[].streetAddress', read: (u) => u.addresses.map((a) => a.streetAddress), sync: 'always', note: 'Slack stores one address.' },
  { scim: 'addresses[].locality', directory: 'addresses[].locality', read: (u) => u.addresses.map((a) => a.locality), sync: 'always', note: 'Slack stores one address.' },
  { scim: 'addresses[].region', directory: 'addresses[].region', read: (u) => u.addresses.map((a) => a.region), sync: 'always', note: 'Slack stores one address.' },
  { scim: 'addresses[].postalCode', directory: 'addresses[].postalCode', read: (u) => u.addresses.map((a) => a.postalCode), sync: 'always', note: 'Slack stores one address.' },
  { scim: 'addresses[].country', directory: 'addresses[].country', read: (u) => u.addresses.map((a) => a.country), sync: 'always', note: 'Slack stores one address.' },
  { scim: 'addresses[].primary', directory: 'addresses[].primary', read: (u) => u.addresses.map((a) => a.primary), sync: 'always', extra: true,
    note: 'Carries the directory\'s own primary flag, which decides the one address Slack stores.' },
  { scim: 'phoneNumbers[].type', directory: 'phoneNumbers[].type', read: (u) => u.phoneNumbers.map((p) => p.type), sync: 'always',
    note: 'Slack stores two numbers: type "mobile" fills primaryPhone, "work" fills mobilePhone.' },
  { scim: 'phoneNumbers[].value', directory: 'phoneNumbers[].value', read: (u) => u.phoneNumbers.map((p) => p.value), sync: 'always', note: 'Slack stores two numbers.' },
  { scim: 'phoneNumbers[].primary', directory: 'phoneNumbers[].primary', read: (u) => u.phoneNumbers.map((p) => p.primary), sync: 'always', extra: true,
    note: 'Carries the directory\'s own primary flag (primary:false fills mobilePhone).' },
  { scim: `${ENT}:employeeNumber`, directory: 'employeeIdentifier', read: (u) => u.employeeIdentifier, sync: 'always', note: 'Enterprise extension.' },
  { scim: `${ENT}:department`, directory: 'department', read: (u) => u.department, sync: 'always', note: 'Enterprise extension.' },
  { scim: `${ENT}:organization`, directory: 'company', read: (u) => u.company, sync: 'always', note: 'Enterprise extension.' },
];

// ---- paths ----

type Obj = Record<string, unknown>;

const isBlank = (v: unknown): boolean => v === undefined || v === null || v === '';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function child(target: Obj, name: string): Obj {
  const existing = target[name];
  if (isObj(existing)) return existing;
  const created: Obj = {};
  target[name] = created;
  return created;
}

function childList(target: Obj, name: string): Obj[] {
  const existing = target[name];
  if (Array.isArray(existing)) return existing as Obj[];
  const created: Obj[] = [];
  target[name] = created;
  return created;
}

/** Writes `value` at `segments` in `target`; blank values are left out rather than sent empty. */
function place(target: Obj, segments: string[], value: unknown): void {
  if (isBlank(value)) return;
  const [head = '', ...rest] = segments;
  const { name, selector } = parseSegment(head);
  if (selector === undefined) {
    if (rest.length === 0) target[name] = value;
    else place(child(target, name), rest, value);
    return;
  }
  const list = childList(target, name);
  if (selector === '') {
    if (!Array.isArray(value)) throw new Error(`mapping row for ${name}[] must read a list`);
    value.forEach((v, i) => {
      if (isBlank(v)) return;
      place((list[i] ??= {}), rest, v);
    });
    return;
  }
  const attrs = parseSelector(selector);
  let element = list.find((e) => Object.entries(attrs).every(([k, v]) => e[k] === v));
  if (!element) list.push((element = { ...attrs }));
  place(element, rest, value);
}

function valueAt(source: unknown, path: string): unknown {
  let cur: unknown = source;
  for (const seg of splitPath(path)) cur = isObj(cur) ? cur[seg] : undefined;
  return cur;
}

const rowEnabled = (row: MappingRow, options: MappingOptions) => !row.optIn || options[row.optIn] === true;

// ---- create body ----

/** The full POST (or PUT) body for a directory user. */
export function toScimUser(user: DirectoryUser, options: MappingOptions = {}): ScimUserPayload {
  const body: Obj = { schemas: [SCIM_URNS.user] };
  for (const row of USER_MAPPING) {
    if (row.sync === 'never' || !rowEnabled(row, options)) continue;
    place(body, splitPath(row.scim), row.read(user));
  }
  // Spread lists get holes where an item had nothing to send; a list with nothing left is left out.
  for (const [key, v] of Object.entries(body)) {
    if (!Array.isArray(v) || key === 'schemas') continue;
    const kept = v.filter(Boolean);
    if (kept.length > 0) body[key] = kept;
    else delete body[key];
  }
  // An extension's URN must be listed when it is sent [spec §3].
  if (body[ENT]) body.schemas = [SCIM_URNS.user, ENT];
  return ScimUserPayload.parse(body);
}

// ---- update ----

const text = (v: unknown): string => (isBlank(v) ? '' : String(v));
const records = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

const ADDRESS_FIELDS = ['streetAddress', 'locality', 'region', 'postalCode', 'country'] as const;

/** The primary email, else the first. */
export function primaryEmail(v: unknown): string {
  const list = records(v);
  return text((list.find((e) => e.primary === true) ?? list[0])?.value).toLowerCase();
}

/** A list's elements reduced to the fields that matter, blank ones dropped, in order: what "the same list" means. */
function significant(v: unknown, fields: readonly string[]): string {
  return JSON.stringify(records(v).map((item) => fields.map((f) => text(item[f]))).filter((vals) => vals.some(Boolean)));
}

/** Equality of one attribute: what the directory wants against what the target holds. */
export type Compare = (want: unknown, have: unknown, actual: ScimUser) => boolean;
export type CompareRules = Record<string, Compare>;

/**
 * How attributes compare on any SCIM 2.0 target: userName and emails without regard to case (RFC 7643
 * caseExact false), `active` absent means active, lists element by element on the fields that matter;
 * anything else as text with blank == null. Targets with quirks override some (targets/slack/mapping.ts).
 */
export const DEFAULT_COMPARE: CompareRules = {
  userName: (w, h) => text(w).toLowerCase() === text(h).toLowerCase(),
  active: (w, h) => (w ?? true) === (h ?? true),
  emails: (w, h) => primaryEmail(w) === primaryEmail(h),
  addresses: (w, h) => significant(w, ADDRESS_FIELDS) === significant(h, ADDRESS_FIELDS),
  phoneNumbers: (w, h) => significant(w, ['value', 'type']) === significant(h, ['value', 'type']),
};
export const sameText: Compare = (w, h) => text(w) === text(h);
export { ADDRESS_FIELDS, isBlank, records, text };

/** `addresses[].type` → `addresses`; scalar paths are their own attribute. */
const attributeOf = (path: string): string => (path.includes('[') ? path.slice(0, path.indexOf('[')) : path);

/**
 * Minimal SCIM v2 PATCH operations turning `actual` into `desired`: one `replace` per changed
 * attribute (sub-attribute paths such as `name.givenName`, whole lists for emails, addresses and
 * phone numbers); a list the directory emptied is removed, a scalar it blanked is replaced by "".
 */
export function diffScimUser(desired: ScimUserPayload, actual: ScimUser, options: MappingOptions & { compare?: CompareRules } = {}): PatchOperation[] {
  const compare = { ...DEFAULT_COMPARE, ...options.compare };
  const ops: PatchOperation[] = [];
  const done = new Set<string>();
  for (const row of USER_MAPPING) {
    if (row.sync !== 'always' || !rowEnabled(row, options)) continue;
    const path = attributeOf(row.scim);
    if (done.has(path)) continue;
    done.add(path);
    const want = valueAt(desired, path);
    const have = valueAt(actual, path);
    if ((compare[path] ?? sameText)(want, have, actual)) continue;
    const isList = path !== row.scim;
    if (isList && records(want).length === 0) ops.push({ op: 'remove', path });
    else ops.push({ op: 'replace', path, value: isBlank(want) ? '' : want });
  }
  return ops;
}
