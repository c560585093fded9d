import { z } from 'zod';
import { SCIM_URNS } from './scim';

/**
 * The SCIM 2.0 group resource (RFC 7643 §4.2; in Slack a user group, "subteam"): what a target answers
 * (`ScimGroup`, `ScimGroupList`) and what Bindery sends on creation (`ScimGroupPayload`). Read leniently
 * like users (targets/scim-user.ts): only `id` and `displayName` are required; a null or missing `members`
 * reads as no members, and unknown attributes are kept.
 */

const text = z.string().nullish();

/** Multi-valued attributes: null or missing reads as an empty list. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => v ?? [], z.array(item));
}

/** One member: `value` is the Slack user ID, `display` the user's display name (may be null). */
export const ScimGroupMember = z.looseObject({ value: z.string().min(1), display: text });
export type ScimGroupMember = z.infer<typeof ScimGroupMember>;

/** A group as a target returns it. Null entries inside `members` are dropped rather than failing a sync. */
export const ScimGroup = z.looseObject({
  schemas: list(z.string()),
  id: z.string().min(1),
  displayName: z.string(),
  members: z.preprocess((v) => (Array.isArray(v) ? v.filter((m) => m !== null && m !== undefined) : (v ?? [])), z.array(ScimGroupMember)),
  meta: z.looseObject({ created: text, location: text, version: text }).nullish(),
});
export type ScimGroup = z.infer<typeof ScimGroup>;

/** A page of `GET /Groups` (a SCIM ListResponse). Slack may leave out `Resources` on an empty page. */
export const ScimGroupList = z.looseObject({
  totalResults: z.number().int().nonnegative(),
  itemsPerPage: z.number().nullish(),
  startIndex: z.number().nullish(),
  Resources: list(ScimGroup),
});
export type ScimGroupList = z.infer<typeof ScimGroupList>;

// ---- what we send (POST body) ----

/** Body of POST /Groups. `members` holds Slack user IDs; left out when the group starts empty. */
export const ScimGroupPayload = z.object({
  schemas: z.array(z.string()).min(1),
  displayName: z.string().min(1),
  members: z.array(z.object({ value: z.string().min(1) })).optional(),
});
export type ScimGroupPayload = z.infer<typeof ScimGroupPayload>;

/** The POST /Groups body for a name and member IDs (duplicates sent once, order kept). */
export function toScimGroupPayload(displayName: string, memberIds: readonly string[] = []): ScimGroupPayload {
  const members = [...new Set(memberIds)].map((value) => ({ value }));
  return { schemas: [SCIM_URNS.group], displayName, ...(members.length > 0 ? { members } : {}) };
}

/** The member IDs of a group as Slack returned it. */
export function memberIdsOf(group: Pick<ScimGroup, 'members'>): string[] {
  return group.members.map((m) => m.value);
}

/**
 * Group names are unique without regard to case (Slack's rule; RFC 7643 makes displayName caseExact false):
 * two names name the same group when they are equal ignoring case. (Renames still compare exactly: the
 * target keeps the case it was sent.)
 */
export function sameGroupName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
