import { createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { CONNECTOR_KINDS } from '../core/connector';
import { Address, PhoneNumber } from '../core/directory';
import { GROUP_LINK_STATES, LINK_STATES } from '../core/links';
import { hasNul, NUL_MESSAGE } from '../core/text';
import { BIND_STATES, connectors, directoryUsers, insightsEvents, userGroups } from '../db/schema';
import { ProblemBody } from './problem';

/**
 * The API's shapes, from the one schema each fact has: rows from the drizzle tables (drizzle-zod), request
 * bodies from core's zod schemas. They validate requests, check responses, and generate /openapi.json.
 */

/** An object ID in a path or a query. */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .refine((s) => !hasNul(s), NUL_MESSAGE)
  .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters');
export const IdParam = z.object({ id: Id.describe('the object ID') });
export const Limit = z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)');
export const Page = z.object({ limit: Limit, after: Id.optional().describe('continue after this ID (the previous page’s `next`)') });

export const Warning = z.object({ code: z.string(), message: z.string(), connectorIds: z.array(z.string()).optional() });
const warnings = { warnings: z.array(Warning).optional().describe('what the change will not do, though it was made') };

export const UserBody = createSelectSchema(directoryUsers, { addresses: z.array(Address), phoneNumbers: z.array(PhoneNumber) }).omit({ deletedAt: true });
export const User = UserBody.extend({ groupIds: z.array(z.string()), ...warnings });
export const UserPage = z.object({ items: z.array(UserBody), next: z.string().optional() });

const GroupRow = createSelectSchema(userGroups).omit({ deletedAt: true });
export const Group = GroupRow.extend({ memberIds: z.array(z.string()), connectorIds: z.array(z.string()) });
export const GroupSummary = GroupRow.extend({ memberCount: z.number().int() });
export const GroupPage = z.object({ items: z.array(GroupSummary), next: z.string().optional() });
export const Membership = z.object({ groupId: z.string(), userId: z.string(), added: z.boolean().optional(), removed: z.boolean().optional(), ...warnings });

export const Connector = createSelectSchema(connectors)
  .omit({ scimTokenEncrypted: true, ssoSpCertificatePem: true })
  .extend({ hasScimToken: z.boolean(), kind: z.enum(CONNECTOR_KINDS), ...warnings });
export const ConnectorList = z.object({ items: z.array(Connector) });

export const Binding = z.object({
  connectorId: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  state: z.enum(['bound', 'unbound']),
  boundAt: z.date(),
  unboundAt: z.date().nullable(),
  overrideReason: z.string().nullable(),
  ...warnings,
});
export const GroupLink = z.object({
  state: z.enum(GROUP_LINK_STATES),
  remoteGroupId: z.string().nullable(),
  memberCount: z.number().int(),
  membersLeftOut: z.number().int(),
  lastErrorCode: z.string().nullable(),
  lastError: z.string().nullable(),
  updatedAt: z.date().nullable(),
});
export const ConnectorGroups = z.object({ items: z.array(Binding.extend({ groupLink: GroupLink })) });
export const Progress = z.object({
  connectorId: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  binding: z.enum(['bound', 'unbound']),
  groupDeleted: z.boolean(),
  members: z.number().int(),
  pendingIntents: z.number().int(),
  usersActive: z.number().int(),
  usersDeactivated: z.number().int(),
  usersFailed: z.number().int(),
  usersStuck: z.number().int(),
  usersNeedAction: z.number().int(),
  usersImported: z.number().int(),
  usersHeld: z.number().int(),
  usersPending: z.number().int(),
  usersNotLinked: z.number().int(),
  membersLeftOut: z.number().int(),
  groupState: z.enum(GROUP_LINK_STATES),
});
export const LinkPage = z.object({
  items: z.array(
    z.object({
      userId: z.string(),
      username: z.string(),
      remoteId: z.string().nullable(),
      state: z.enum(LINK_STATES),
      lastErrorCode: z.string().nullable(),
      lastError: z.string().nullable(),
      updatedAt: z.date(),
      firstLaunch: z
        .enum(BIND_STATES)
        .nullable()
        .describe('users Bindery created while SSO was on: `pending` = inactive (pending first launch) until they launch Slack from the portal (U1, B2); then `bound`; `expired` when their 72-hour window ran out. Null for everyone else.'),
    }),
  ),
  next: z.string().optional(),
});
export const Started = z.object({ workflowId: z.string(), runId: z.string() });
export const Deleted = z.object({ deleted: z.literal(true), connectorId: z.string(), workflowsEnded: z.number().int(), note: z.string(), warning: z.string().optional() });
export const Impact = z.object({ connectorId: z.string(), groupId: z.string(), groupName: z.string(), members: z.number().int(), oneWay: z.boolean() });

export const Event = createSelectSchema(insightsEvents);
export const EventPage = z.object({ items: z.array(Event), next: z.number().int().optional() });

export const Health = z.object({ ok: z.literal(true) });
export const NoContent = z.null().describe('No Content');

/** Statuses every authenticated route can answer, and those a route with a body adds. */
const ALWAYS = [400, 401, 500] as const;
const WITH_BODY = [413, 415] as const;
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: the detail names the field',
  401: 'The admin API key is missing or wrong',
  404: 'No such object',
  409: 'The change conflicts with the state (the detail says what to do)',
  413: 'The body is too large',
  415: 'The body is not JSON',
  422: 'The target refused the SCIM token',
  500: 'The server failed; its log has the request ID',
  502: 'The target could not be reached or did not answer usefully; nothing was stored',
};

/** A route's response map: its successes, and every error it can answer as problem+json. */
export function responses(ok: Record<number, z.ZodType>, errors: number[], opts: { body?: boolean; public?: boolean } = {}) {
  const statuses = new Set<number>([...(opts.public ? [500] : ALWAYS), ...(opts.body ? WITH_BODY : []), ...errors]);
  const map: Record<number, z.ZodType> = { ...ok };
  for (const s of [...statuses].sort()) map[s] = ProblemBody.describe(ERROR_TEXT[s] ?? 'Error');
  return map;
}
