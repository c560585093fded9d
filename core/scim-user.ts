import { z } from 'zod';
import { SCHEMAS } from './slack';

/**
 * Slack's SCIM v2 user resource: what Slack answers (`SlackUser`) and what we send (`ScimUserPayload`).
 * Source: shared spec slack-scim.md §3. Slack shows never-set fields as nulls, so everything but
 * id, userName and active is read leniently: a missing or null field must not fail a sync.
 */

/** Optional text that Slack may send as null or leave out. */
const text = z.string().nullish();
const flag = z.boolean().nullish();

/** Multi-valued attributes: null or missing reads as an empty list. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => v ?? [], z.array(item));
}

const SlackName = z.looseObject({
  givenName: text,
  familyName: text,
  middleName: text,
  honorificPrefix: text,
  honorificSuffix: text,
  formatted: text,
});

const SlackEmail = z.looseObject({ value: text, type: text, primary: flag });
const SlackPhoneNumber = z.looseObject({ value: text, type: text, primary: flag });
const SlackAddress = z.looseObject({
  type: text,
  streetAddress: text,
  locality: text,
  region: text,
  postalCode: text,
  country: text,
  primary: flag,
});
const SlackPhoto = z.looseObject({ value: text, type: text, primary: flag });
const SlackRole = z.looseObject({ value: text, type: text, primary: flag });
const SlackGroupRef = z.looseObject({ value: text, display: text });

const SlackEnterprise = z.looseObject({
  employeeNumber: text,
  costCenter: text,
  organization: text,
  division: text,
  department: text,
  manager: z.looseObject({ managerId: text, displayName: text }).nullish(),
});

/** A user as Slack returns it. Unknown attributes (other extensions) are kept, not dropped. */
export const SlackUser = z.looseObject({
  schemas: list(z.string()),
  id: z.string().min(1),
  externalId: text,
  userName: z.string().min(1),
  nickName: text,
  name: SlackName.nullish(),
  displayName: text,
  profileUrl: text,
  title: text,
  timezone: text,
  active: z.boolean(),
  emails: list(SlackEmail),
  phoneNumbers: list(SlackPhoneNumber),
  addresses: list(SlackAddress),
  photos: list(SlackPhoto),
  roles: list(SlackRole),
  groups: list(SlackGroupRef),
  [SCHEMAS.enterprise]: SlackEnterprise.nullish(),
  meta: z.looseObject({ created: text, location: text }).nullish(),
});
export type SlackUser = z.infer<typeof SlackUser>;

/** A page of `GET /Users` [§5]. Slack may leave out `Resources` on an empty page. */
export const SlackUserList = z.looseObject({
  totalResults: z.number().int().nonnegative(),
  itemsPerPage: z.number().nullish(),
  startIndex: z.number().nullish(),
  Resources: list(SlackUser),
});
export type SlackUserList = z.infer<typeof SlackUserList>;

// ---- what we send (POST / PUT body) ----

export const ScimEmail = z.object({ value: z.string(), type: z.string().optional(), primary: z.boolean().optional() });
export type ScimEmail = z.infer<typeof ScimEmail>;

export const ScimPhoneNumber = z.object({ value: z.string(), type: z.string().optional(), primary: z.boolean().optional() });
export type ScimPhoneNumber = z.infer<typeof ScimPhoneNumber>;

export const ScimAddress = z.object({
  type: z.string().optional(),
  streetAddress: z.string().optional(),
  locality: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().optional(),
  primary: z.boolean().optional(),
});
export type ScimAddress = z.infer<typeof ScimAddress>;

export const ScimEnterpriseUser = z.object({
  employeeNumber: z.string().optional(),
  costCenter: z.string().optional(),
  organization: z.string().optional(),
  division: z.string().optional(),
  department: z.string().optional(),
  // Slack rejects a manager without managerId (improper_enterprise_schema_format).
  manager: z.object({ managerId: z.string() }).optional(),
});
export type ScimEnterpriseUser = z.infer<typeof ScimEnterpriseUser>;

/** Body of POST /Users and PUT /Users/<id>. Empty attributes are left out rather than sent blank. */
export const ScimUserPayload = z.object({
  schemas: z.array(z.string()).min(1),
  externalId: z.string().optional(),
  userName: z.string().min(1),
  password: z.string().optional(),
  name: z
    .object({
      givenName: z.string().optional(),
      familyName: z.string().optional(),
      middleName: z.string().optional(),
      honorificPrefix: z.string().optional(),
    })
    .optional(),
  displayName: z.string().optional(),
  nickName: z.string().optional(),
  title: z.string().optional(),
  active: z.boolean().optional(),
  emails: z.array(ScimEmail).min(1),
  phoneNumbers: z.array(ScimPhoneNumber).optional(),
  addresses: z.array(ScimAddress).optional(),
  [SCHEMAS.enterprise]: ScimEnterpriseUser.optional(),
});
export type ScimUserPayload = z.infer<typeof ScimUserPayload>;
