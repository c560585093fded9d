import { z } from 'zod';
import { DirectoryUserFields, type DirectoryUser } from '../../core/directory';
import { USER_MAPPING } from '../../core/mapping';
import type { ScimUserPayload } from '../../core/scim-user';
import { LIMITS, SCHEMAS, type SlackErrorCode } from './facts';

/**
 * Checks a user against Slack's rules BEFORE anything is sent (requirement U5; the seed's
 * "Important Considerations" and "Attribute Considerations"; shared spec slack-scim.md §3, §8).
 * Pure: no I/O, no clock. Every problem is collected (not just the first), in the field order of
 * the directory user, so an admin can fix them all in one go.
 *
 * Codes are Slack's own wherever Slack has one, so an insights event reads the same whether we
 * refused the user or Slack did; `invalid_custom_profile` is ours, because Slack reports nothing
 * at all there: on create it silently drops every profile field.
 */

/** Slack's codes, plus ours for a custom profile Slack would silently drop. */
export type ValidationCode = SlackErrorCode | 'invalid_custom_profile';

export type ValidationProblem = {
  /** Slack's error code where one exists (see ValidationCode). */
  code: string;
  /** The directory attribute at fault (`username`, `displayName`, …); the SCIM name when none maps to it. */
  field: string;
  /** One sentence an admin can act on; it may quote the offending value (it goes to an insights event, not to workflow history). */
  message: string;
};

export type ValidationContext = {
  /**
   * Lowercased usernames of the other directory users linked to the same connector, and the channel
   * names Slack reports: usernames and channel names share one namespace in Slack.
   */
  takenNames?: ReadonlySet<string>;
  /**
   * Custom profile fields that already exist in Slack besides the ones this payload uses; every
   * custom field the payload carries is counted on top. Unknown (undefined) skips the count.
   */
  existingCustomFieldCount?: number;
  /** Whether the connector sends displayName (mapping option sendDisplayName). */
  sendDisplayName: boolean;
};

// ---- limits ----

/**
 * Longest username the engine sends: the seed says "less than 21 characters", while Slack (and so the
 * emulator) accepts 21 (LIMITS.userNameMax). The stricter rule wins, hence one less than Slack's maximum.
 */
export const USERNAME_MAX = LIMITS.userNameMax - 1;
/** Longest custom profile value we send. Our own cap: Slack documents none, and a refused value loses every field. */
export const CUSTOM_VALUE_MAX = 256;
/** Longest address sub-attribute we send (the directory's widest address attribute). */
export const ADDRESS_VALUE_MAX = 512;
/** A phone number needs at least this many digits. */
export const PHONE_MIN_DIGITS = 3;

/** Quoted values in messages are cut to this many characters. */
const QUOTE_MAX = 64;

// ---- character classes ----

/** Username: ASCII letters, digits, `.`, `_`, `-`. Slack rewrites anything else to `_` (an email becomes a Slack-style name), which would break matching on userName. */
const USERNAME_CHAR = /^[A-Za-z0-9._-]$/;
/** Display name, ASCII part: letters, digits, space and `. _ - ' { } [ ] , / ;` [seed]. */
const DISPLAY_ASCII_CHAR = /^[A-Za-z0-9 ._\-'{}[\],/;]$/;
/** Control characters (C0 and C1) and lone surrogates (which cannot be sent as UTF-8). */
const UNSENDABLE = /[\p{Cc}\p{Cs}]/u;
const CONTROL = /\p{Cc}/u;
/** Characters that would be invisible or confusing when quoted: named by code point instead. */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;
const PHONE_CHARS = /^[0-9 +\-().xX]+$/;

function usernameCharAllowed(ch: string): boolean {
  return USERNAME_CHAR.test(ch);
}

/** Any non-ASCII character except controls and lone surrogates; in ASCII only the seed's list. */
function displayCharAllowed(ch: string): boolean {
  if ((ch.codePointAt(0) ?? 0) > 0x7f) return !UNSENDABLE.test(ch);
  return DISPLAY_ASCII_CHAR.test(ch);
}

// ---- message helpers ----

/** Length in characters (code points), not UTF-16 units. */
const charCount = (s: string): number => Array.from(s).length;

/** A value quoted for a message: JSON-escaped (control characters stay visible) and cut when long. */
function quote(value: string): string {
  const chars = Array.from(value);
  return JSON.stringify(chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX).join('')}…` : value);
}

function charName(ch: string): string {
  if (ch === ' ') return 'a space';
  if (NON_PRINTABLE.test(ch)) return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(ch);
}

/** The distinct refused characters of `value`, in order of first appearance. */
function refusedChars(chars: readonly string[], allowed: (ch: string) => boolean): string[] {
  return [...new Set(chars.filter((ch) => !allowed(ch)))];
}

function listChars(chars: readonly string[]): string {
  const names = chars.map(charName);
  return names.length === 1 ? `the character ${names[0]}` : `the characters ${names.join(', ')}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

// ---- helpers on the payload (read leniently: it may come from elsewhere than toScimUser) ----

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPresent = (v: unknown): boolean => v !== undefined && v !== null;
const asText = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The directory attribute a SCIM path comes from (USER_MAPPING), else the SCIM name itself. */
function directoryField(scimPath: string, fallback: string): string {
  return USER_MAPPING.find((row) => row.scim === scimPath)?.directory ?? fallback;
}

/** Custom fields sort by this: the directory user's attribute order; anything else keeps its place after them. */
const FIELD_ORDER: readonly string[] = Object.keys(DirectoryUserFields.shape);
/** The field of the problem about the number of custom fields: it concerns them all, and comes last. */
const CUSTOM_PROFILE_FIELD = 'customProfile';

function rank(field: string): number {
  const i = FIELD_ORDER.indexOf(field);
  return i >= 0 ? i : FIELD_ORDER.length;
}

class Problems {
  readonly list: ValidationProblem[] = [];
  add(code: ValidationCode, field: string, message: string): void {
    this.list.push({ code, field, message });
  }
}

// ---- username ----

function checkUsername(value: unknown, ctx: ValidationContext, out: Problems): void {
  const field = 'username';
  const name = asText(value);
  if (name.trim() === '') {
    out.add('username_empty', field, 'The username is empty; Slack needs one, so set a username in the directory.');
    return;
  }
  const chars = Array.from(name);
  if (chars.length > USERNAME_MAX) {
    out.add('username_too_long', field,
      `Username ${quote(name)} has ${plural(chars.length, 'character')}; Slack needs fewer than ${USERNAME_MAX + 1}, so shorten it in the directory.`);
  }
  const refused = refusedChars(chars, usernameCharAllowed);
  if (refused.length > 0) {
    out.add('username_invalid', field,
      `Username ${quote(name)} contains ${listChars(refused)}, which Slack would rewrite (and the user would then no longer match); use only letters, digits, ".", "_" and "-" in the directory.`);
  }
  if (ctx.takenNames?.has(name.toLowerCase())) {
    out.add('username_taken', field,
      `Username ${quote(name)} is already used by another user of this connector or clashes with a Slack channel name (usernames and channel names share one namespace); choose another username in the directory.`);
  }
}

// ---- email ----

const EMAIL = z.email();

/** The primary email as Slack picks it: primary:true, else type "work", else the first [spec §3]. */
function primaryEmail(emails: readonly Obj[]): Obj | undefined {
  return emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0];
}

function checkEmails(value: unknown, out: Problems): void {
  const field = 'email';
  const emails = Array.isArray(value) ? value.filter(isObj) : [];
  const primary = primaryEmail(emails);
  if (!primary || asText(primary.value).trim() === '') {
    out.add('missing_primary_email', field, 'The user has no primary email; Slack needs one, so set an email address in the directory.');
  }
  for (const email of emails) {
    const address = asText(email.value);
    if (email === primary && address.trim() === '') continue; // already reported as missing
    if (address.trim() === '') {
      out.add('emails_invalid', field, 'An email address is empty; remove it or fill it in, in the directory.');
    } else if (!EMAIL.safeParse(address).success) {
      out.add('emails_invalid', field, `Email ${quote(address)} is not a valid email address; correct it in the directory.`);
    }
  }
}

// ---- names ----

function checkNames(name: unknown, out: Problems): void {
  if (!isObj(name)) return;
  const { givenName, familyName } = name;
  if (typeof givenName !== 'string' || typeof familyName !== 'string') return;
  if (givenName.trim() === '' && familyName.trim() === '') {
    out.add('invalid_name_required', directoryField('name.givenName', 'firstName'),
      'First and last name are both whitespace only, which Slack refuses; set a first or last name in the directory.');
  }
}

// ---- display name ----

function checkDisplayName(value: string, out: Problems): void {
  const field = directoryField('displayName', 'displayName');
  const chars = Array.from(value);
  if (chars.length > LIMITS.displayNameMax) {
    out.add('invalid_name_maxlength', field,
      `Display name ${quote(value)} has ${plural(chars.length, 'character')}; Slack allows at most ${LIMITS.displayNameMax}, so shorten it in the directory.`);
  }
  const startsWithAt = chars[0] === '@';
  if (startsWithAt) {
    out.add('invalid_starts_with_at', field, `Display name ${quote(value)} starts with "@", which Slack refuses; remove the leading "@" in the directory.`);
  }
  // A leading "@" is reported above; any other refused character (a later "@" included) is reported here.
  const refused = refusedChars(startsWithAt ? chars.slice(1) : chars, displayCharAllowed);
  if (refused.length > 0) {
    out.add('invalid_name_specials', field,
      `Display name ${quote(value)} contains ${listChars(refused)}, which Slack does not allow; use letters of any language, digits, spaces and . _ - ' { } [ ] , / ; only, in the directory.`);
  }
}

// ---- addresses and phone numbers ----

const ADDRESS_TEXT = ['type', 'streetAddress', 'locality', 'region', 'postalCode', 'country'] as const;

function checkAddresses(value: unknown, out: Problems): void {
  if (!isPresent(value)) return;
  const field = 'addresses';
  if (!Array.isArray(value)) {
    out.add('addresses_invalid', field, 'The addresses are not a list; fix them in the directory.');
    return;
  }
  value.forEach((address: unknown, i) => {
    const which = `Address ${i + 1}`;
    if (!isObj(address)) {
      out.add('addresses_invalid', field, `${which} is not an address; fix it in the directory.`);
      return;
    }
    const bad: string[] = [];
    for (const key of ADDRESS_TEXT) {
      const v = address[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') bad.push(`${key} is not text`);
      else if (charCount(v) > ADDRESS_VALUE_MAX) bad.push(`${key} is longer than ${ADDRESS_VALUE_MAX} characters`);
    }
    if (address.primary !== undefined && typeof address.primary !== 'boolean') bad.push('primary is not true or false');
    if (bad.length > 0) out.add('addresses_invalid', field, `${which} is invalid (${bad.join('; ')}); fix it in the directory.`);
  });
}

function isPhoneNumber(v: string): boolean {
  return PHONE_CHARS.test(v) && (v.match(/[0-9]/g)?.length ?? 0) >= PHONE_MIN_DIGITS;
}

function checkPhoneNumbers(value: unknown, out: Problems): void {
  if (!isPresent(value)) return;
  const field = 'phoneNumbers';
  if (!Array.isArray(value)) {
    out.add('phoneNumbers_invalid', field, 'The phone numbers are not a list; fix them in the directory.');
    return;
  }
  for (const phone of value as unknown[]) {
    const number = isObj(phone) ? phone.value : undefined;
    if (typeof number === 'string' && isPhoneNumber(number)) continue;
    const shown = typeof number === 'string' ? `Phone number ${quote(number)}` : 'A phone number';
    out.add('phoneNumbers_invalid', field,
      `${shown} does not look like a phone number; use digits (at least ${PHONE_MIN_DIGITS}), spaces, "+", "-", "(", ")", "." and "x" for an extension, in the directory.`);
  }
}

// ---- custom profile ----

type CustomField = {
  /** Distinct key of the Slack custom field this attribute fills. */
  key: string;
  /** The directory attribute it comes from, else its SCIM name: how the admin knows it. */
  field: string;
  value: unknown;
  /** Must be an ISO 8601 date. */
  date?: true;
  /** The enterprise manager: an object whose managerId is the value. */
  manager?: true;
};

/** Top-level SCIM attributes Slack turns into custom profile fields [spec §3]. */
const TOP_LEVEL_CUSTOM = ['userType', 'preferredLanguage', 'locale'] as const;

/**
 * The custom profile fields this payload would fill: every enterprise extension attribute; userType,
 * preferredLanguage, locale; name.honorificPrefix; every profile extension attribute (startDate).
 */
function customFields(payload: Obj): CustomField[] {
  const fields: CustomField[] = [];
  const ent = payload[SCHEMAS.enterprise];
  if (isObj(ent)) {
    for (const [key, value] of Object.entries(ent)) {
      if (!isPresent(value)) continue;
      fields.push({ key: `${SCHEMAS.enterprise}:${key}`, field: directoryField(`${SCHEMAS.enterprise}:${key}`, key), value,
        ...(key === 'manager' ? { manager: true as const } : {}) });
    }
  }
  for (const key of TOP_LEVEL_CUSTOM) {
    if (isPresent(payload[key])) fields.push({ key, field: key, value: payload[key] });
  }
  const name = payload.name;
  if (isObj(name) && isPresent(name.honorificPrefix)) {
    fields.push({ key: 'name.honorificPrefix', field: 'name.honorificPrefix', value: name.honorificPrefix });
  }
  const profile = payload[SCHEMAS.profile];
  if (isObj(profile)) {
    for (const [key, value] of Object.entries(profile)) {
      if (!isPresent(value)) continue;
      fields.push({ key: `${SCHEMAS.profile}:${key}`, field: key, value, ...(key === 'startDate' ? { date: true as const } : {}) });
    }
  }
  // In the directory user's field order, like the problems.
  return fields.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.field) - rank(b.f.field) || a.i - b.i).map(({ f }) => f);
}

/** ISO 8601, extended format: a date, optionally with a time and a zone (`2024-03-01`, `2024-03-01T09:30:00Z`, `…+02:00`). */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;

export function isIso8601Date(value: string): boolean {
  const m = ISO_8601.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , oh, om] = m.map((part) => (part === undefined ? undefined : Number(part)));
  if (y === undefined || mo === undefined || d === undefined) return false;
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const daysInMonth = mo === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  if (d > daysInMonth) return false;
  if (h !== undefined && h > 23) return false;
  if (mi !== undefined && mi > 59) return false;
  if (s !== undefined && s > 59) return false;
  if (oh !== undefined && oh > 23) return false;
  if (om !== undefined && om > 59) return false;
  return true;
}

const DROPPED = 'on create Slack would silently drop every profile field of the user, so nothing is sent';

/** Why a custom field's value would be refused, or undefined when it is fine. */
function customValueProblem(f: CustomField, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not text';
  if (charCount(value) > CUSTOM_VALUE_MAX) return `is longer than ${CUSTOM_VALUE_MAX} characters`;
  if (CONTROL.test(value)) return 'contains a control character (such as a tab or a line break)';
  if (f.date && !isIso8601Date(value)) return 'is not an ISO 8601 date (such as 2024-03-01)';
  return undefined;
}

function checkCustomProfile(payload: Obj, ctx: ValidationContext, out: Problems): void {
  const fields = customFields(payload);
  for (const f of fields) {
    let value = f.value;
    if (f.manager) {
      // Slack answers improper_enterprise_schema_format to a manager without managerId [spec §3].
      if (!isObj(value) || !isPresent(value.managerId)) {
        out.add('improper_enterprise_schema_format', f.field, 'The manager has no managerId, which Slack refuses; set the manager\'s Slack ID, email or username.');
        continue;
      }
      value = value.managerId;
    }
    const why = customValueProblem(f, value);
    if (why === undefined) continue;
    const shown = typeof value === 'string' ? ` ${quote(value)}` : '';
    out.add('invalid_custom_profile', f.field, `The ${f.field}${shown} ${why}; ${DROPPED}: fix it in the directory.`);
  }
  const existing = ctx.existingCustomFieldCount;
  if (existing === undefined) return;
  const used = [...new Set(fields.map((f) => f.key))];
  if (existing + used.length > LIMITS.customProfileFieldsMax) {
    const names = [...new Set(fields.map((f) => f.field))].join(', ');
    out.add('unable_to_create_team_profile_fields', CUSTOM_PROFILE_FIELD,
      `Slack allows at most ${LIMITS.customProfileFieldsMax} custom profile fields and already has ${existing}, so the ${plural(used.length, 'field')} this user needs (${names}) would be refused; remove custom profile fields in Slack or stop sending these attributes.`);
  }
}

// ---- entry points ----

/**
 * Every reason Slack would refuse (or silently mangle) this user, in the directory user's field order;
 * an empty list means the payload can be sent. `payload` is what will be sent (toScimUser); `user`
 * supplies the display name when the connector sends one but the payload was built without it.
 */
export function validateForSlack(user: DirectoryUser, payload: ScimUserPayload, ctx: ValidationContext): ValidationProblem[] {
  const body: Obj = { ...payload };
  const out = new Problems();
  // In the directory user's field order: username, email, first/last name, display name, addresses,
  // phone numbers, then the custom profile (ordered by rank), its field count last.
  checkUsername(body.userName, ctx, out);
  checkEmails(body.emails, out);
  checkNames(body.name, out);
  // Checked whenever it will be sent: the connector sends display names, or the payload carries one.
  const displayName = typeof body.displayName === 'string' ? body.displayName : ctx.sendDisplayName ? user.displayName : '';
  if ((ctx.sendDisplayName || typeof body.displayName === 'string') && displayName !== '') checkDisplayName(displayName, out);
  checkAddresses(body.addresses, out);
  checkPhoneNumbers(body.phoneNumbers, out);
  checkCustomProfile(body, ctx, out);
  return out.list;
}

export function isValidForSlack(user: DirectoryUser, payload: ScimUserPayload, ctx: ValidationContext): boolean {
  return validateForSlack(user, payload, ctx).length === 0;
}

/** The problems' messages as one text (for an insights event or an activity failure); '' when there are none. */
export function describeProblems(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => p.message).join(' ');
}
