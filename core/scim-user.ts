import { z } from 'zod';
import { SCIM_URNS } from './scim';

/**
 * The SCIM 2.0 user resource (RFC 7643 §4.1), as a target answers it (`ScimUser`) and as Bindery sends it
 * (`ScimUserPayload`). Read leniently for every target: Slack shows never-set fields as nulls (shared spec
 * slack-scim.md §3) and RFC servers leave out what they do not store, so everything but id and userName
 * may be missing or null without failing a sync; `active` left out means active (RFC 7643: a user is
 * active unless it says otherwise).
 */

/** Optional text that Slack may send as null or leave out. */
const text = z.string().nullish();
const flag = z.boolean().nullish();

/** Multi-valued attributes: null or missing reads as an empty list. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => v ?? [], z.array(item));
}

const ScimName = z.looseObject({
  givenName: text,
  familyName: text,
  middleName: text,
  honorificPrefix: text,
  honorificSuffix: text,
  formatted: text,
});

const ScimEmailValue = z.looseObject({ value: text, type: text, primary: flag });
const ScimPhoneValue = z.looseObject({ value: text, type: text, primary: flag });
const ScimAddressValue = z.looseObject({
  type: text,
  streetAddress: text,
  locality: text,
  region: text,
  postalCode: text,
  country: text,
  primary: flag,
});
const ScimPhoto = z.looseObject({ value: text, type: text, primary: flag });
const ScimRole = z.looseObject({ value: text, type: text, primary: flag });
const ScimGroupRef = z.looseObject({ value: text, display: text });

const ScimEnterprise = z.looseObject({
  employeeNumber: text,
  costCenter: text,
  organization: text,
  division: text,
  department: text,
  manager: z.looseObject({ managerId: text, displayName: text }).nullish(),
});

/** A user as a target returns it. Unknown attributes (other extensions) are kept, not dropped. */
export const ScimUser = z.looseObject({
  schemas: list(z.string()),
  id: z.string().min(1),
  externalId: text,
  userName: z.string().min(1),
  nickName: text,
  name: ScimName.nullish(),
  displayName: text,
  profileUrl: text,
  title: text,
  timezone: text,
  active: z.preprocess((v) => v ?? true, z.boolean()),
  emails: list(ScimEmailValue),
  phoneNumbers: list(ScimPhoneValue),
  addresses: list(ScimAddressValue),
  photos: list(ScimPhoto),
  roles: list(ScimRole),
  groups: list(ScimGroupRef),
  [SCIM_URNS.enterprise]: ScimEnterprise.nullish(),
  meta: z.looseObject({ created: text, location: text, version: text }).nullish(),
});
export type ScimUser = z.infer<typeof ScimUser>;

/** A page of `GET /Users` (a SCIM ListResponse). Slack may leave out `Resources` on an empty page. */
export const ScimUserList = z.looseObject({
  totalResults: z.number().int().nonnegative(),
  itemsPerPage: z.number().nullish(),
  startIndex: z.number().nullish(),
  Resources: list(ScimUser),
});
export type ScimUserList = z.infer<typeof ScimUserList>;

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
  [SCIM_URNS.enterprise]: ScimEnterpriseUser.optional(),
});
export type ScimUserPayload = z.infer<typeof ScimUserPayload>;
