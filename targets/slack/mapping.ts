import type { DirectoryUser } from '../../core/directory';
import { ADDRESS_FIELDS, type CompareRules, diffScimUser, isBlank, type PatchOperation, records, text, toScimUser } from '../../core/mapping';
import type { ScimUser, ScimUserPayload } from '../../core/scim-user';
import { SCHEMAS } from './facts';

/**
 * The seed's attribute table (core/mapping.ts) as Slack stores it (shared spec slack-scim.md §3): what it
 * keeps of lists, what it echoes, and the guest role (U9).
 */

/** Slack keeps two phone numbers [spec §3]. */
const PHONES_STORED = 2;

/** The address Slack keeps: the primary, else (our assumption) a work one, else the first. */
function storedAddress(v: unknown) {
  const list = records(v);
  return list.find((a) => a.primary === true) ?? list.find((a) => a.type === 'work') ?? list[0];
}

/** Where Slack differs from RFC comparison. */
export const SLACK_COMPARE: CompareRules = {
  // Slack may not keep middleName (unconfirmed): when it reports none, sending it again changes nothing.
  'name.middleName': (w, h) => isBlank(h) || text(w) === text(h),
  // Slack shows the userName when no display name is set.
  displayName: (w, h, actual) => text(w) === text(h) || (text(w) === '' && text(h).toLowerCase() === actual.userName.toLowerCase()),
  // One address is stored: equal when the one Slack keeps is the one it would keep.
  addresses: (w, h) => {
    const want = storedAddress(w);
    const have = storedAddress(h);
    return ADDRESS_FIELDS.every((f) => text(want?.[f]) === text(have?.[f]));
  },
  // At most two numbers are kept: equal when what Slack holds is what it would keep.
  phoneNumbers: (w, h) => {
    const want = records(w).map((p) => text(p.value)).filter(Boolean);
    const have = records(h).map((p) => text(p.value)).filter(Boolean);
    return have.length === Math.min(want.length, PHONES_STORED) && have.every((v) => want.includes(v));
  },
};

export type SlackMappingOptions = { sendDisplayName: boolean; enterpriseGrid: boolean };

/** Whether the account in Slack is a multi-channel guest (it carries the guest extension). */
export function isSlackGuest(remote: ScimUser): boolean {
  const ext = (remote as Record<string, unknown>)[SCHEMAS.guest];
  return (remote.schemas ?? []).includes(SCHEMAS.guest) || (typeof ext === 'object' && ext !== null);
}

/** The create body: the seed's table, and the guest extension for multi-channel guests on Enterprise Grid (U9). */
export function slackUserPayload(user: DirectoryUser, o: SlackMappingOptions): ScimUserPayload {
  const payload = toScimUser(user, { sendDisplayName: o.sendDisplayName });
  if (!user.guest || !o.enterpriseGrid) return payload;
  return { ...payload, schemas: [...payload.schemas, SCHEMAS.guest], [SCHEMAS.guest]: { type: 'multi' } } as ScimUserPayload;
}

/**
 * The smallest PATCH: the table's attributes as Slack compares them, and on Enterprise Grid the guest role
 * (adding the guest extension makes a member a multi-channel guest, removing it makes them a member again).
 */
export function diffSlackUser(user: DirectoryUser, payload: ScimUserPayload, remote: ScimUser, o: SlackMappingOptions): PatchOperation[] {
  const ops = diffScimUser(payload, remote, { sendDisplayName: o.sendDisplayName, compare: SLACK_COMPARE });
  if (!o.enterpriseGrid) return ops;
  const guest = isSlackGuest(remote);
  if (user.guest && !guest) ops.push({ op: 'add', path: SCHEMAS.guest, value: { type: 'multi' } });
  if (!user.guest && guest) ops.push({ op: 'remove', path: SCHEMAS.guest });
  return ops;
}
