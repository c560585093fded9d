import { z } from 'zod';
import { SCHEMAS } from './slack';

/**
 * Slack's SCIM v2 group resource (a Slack user group, "subteam"): what Slack answers (`SlackGroup`,
 * `SlackGroupList`) and what we send on creation (`ScimGroupPayload`). Source: shared spec
 * slack-scim.md §4. Read leniently like users (core/scim-user.ts): only `id` and `displayName` are
 * required; a null or missing `members` reads as no members, and unknown attributes are kept.
 */

const text = z.string().nullish();

/** Multi-valued attributes: null or missing reads as an empty list. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => v ?? [], z.array(item));
}

/** One member: `value` is the Slack user ID, `display` the user's display name (may be null). */
export const SlackGroupMember = z.looseObject({ value: z.string().min(1), display: text });
export type SlackGroupMember = z.infer<typeof SlackGroupMember>;

/** A group as Slack returns it. Null entries inside `members` are dropped rather than failing a sync. */
export const SlackGroup = z.looseObject({
  schemas: list(z.string()),
  id: z.string().min(1),
  displayName: z.string(),
  members: z.preprocess((v) => (Array.isArray(v) ? v.filter((m) => m !== null && m !== undefined) : (v ?? [])), z.array(SlackGroupMember)),
  meta: z.looseObject({ created: text, location: text }).nullish(),
});
export type SlackGroup = z.infer<typeof SlackGroup>;

/** A page of `GET /Groups` (a SCIM ListResponse). Slack may leave out `Resources` on an empty page. */
export const SlackGroupList = z.looseObject({
  totalResults: z.number().int().nonnegative(),
  itemsPerPage: z.number().nullish(),
  startIndex: z.number().nullish(),
  Resources: list(SlackGroup),
});
export type SlackGroupList = z.infer<typeof SlackGroupList>;

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
  return { schemas: [SCHEMAS.group], displayName, ...(members.length > 0 ? { members } : {}) };
}

/** The member IDs of a group as Slack returned it. */
export function memberIdsOf(group: Pick<SlackGroup, 'members'>): string[] {
  return group.members.map((m) => m.value);
}

/**
 * Slack keeps group names unique without regard to case: two names name the same group when they
 * are equal ignoring case. (Renames still compare exactly: Slack keeps the case it was sent.)
 */
export function sameGroupName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
