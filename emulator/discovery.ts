/**
 * SCIM 2.0 discovery documents as Slack's v2 API lists them [spec §2]: ServiceProviderConfig,
 * ResourceTypes and Schemas (RFC 7643 §5–7 shapes), describing what the emulator stores and
 * answers (users.ts, groups.ts). Pure data: the routes are in routes-discovery.ts.
 */
import { SCHEMAS } from '../targets/slack/facts';

const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const serviceProviderConfig = {
  schemas: [SCHEMAS.serviceProviderConfig],
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: false, maxResults: 0 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'Authentication with an OAuth token with the admin scope', primary: true },
  ],
};

type AttributeType = 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex';

interface AttributeOptions {
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: object[];
}

/** One attribute definition with RFC 7643 §7's defaults spelled out, as SCIM clients expect them. */
function attr(name: string, type: AttributeType, description: string, opts: AttributeOptions = {}) {
  return {
    name, type, description, multiValued: false, required: false, caseExact: false,
    mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...opts,
  };
}

const str = (name: string, description: string, opts?: AttributeOptions) => attr(name, 'string', description, opts);
const primary = attr('primary', 'boolean', 'The primary value.');
const multi = (name: string, description: string, subAttributes: object[], opts?: AttributeOptions) =>
  attr(name, 'complex', description, { multiValued: true, subAttributes, ...opts });

const userAttributes = [
  str('userName', 'Slack username: lowercased, at most 21 characters, unique among users and channel names.', { required: true, uniqueness: 'server' }),
  str('nickName', 'The same value as userName: changing one changes the other.'),
  attr('name', 'complex', 'Full name.', {
    subAttributes: [str('givenName', 'Given name.'), str('familyName', 'Family name.'), str('honorificPrefix', 'Kept as a custom profile field.')],
  }),
  str('displayName', 'Display name (handle), at most 80 characters; falls back to userName.'),
  attr('profileUrl', 'reference', 'Profile URL; PATCH cannot change it.', { referenceTypes: ['external'] }),
  str('title', 'The Title profile field.'),
  str('timezone', 'Time zone.'),
  str('userType', 'Kept as a custom profile field.'),
  str('preferredLanguage', 'Kept as a custom profile field.'),
  str('locale', 'Kept as a custom profile field.'),
  attr('active', 'boolean', 'false: deactivated.'),
  str('password', 'Initial password only; never returned.', { mutability: 'writeOnly', returned: 'never' }),
  multi('emails', 'A primary and one secondary email; the primary can be replaced, never removed.', [
    str('value', 'Email address.', { required: true }),
    str('type', 'Only chooses the primary when none is flagged; not stored.', { canonicalValues: ['work'], returned: 'never' }),
    primary,
  ], { required: true }),
  multi('phoneNumbers', 'Two numbers: type "mobile" is the primary phone, type "work" (or primary false) the other.', [
    str('value', 'Phone number.'), str('type', 'mobile or work.', { canonicalValues: ['mobile', 'work'] }), primary,
  ]),
  multi('photos', 'One photo: a public or data: URL.', [
    attr('value', 'reference', 'Photo URL.', { referenceTypes: ['external'] }), str('type', 'photo.', { canonicalValues: ['photo'] }),
  ]),
  multi('addresses', 'One address (primary, else first); its type is not stored.', [
    ...['streetAddress', 'locality', 'region', 'postalCode', 'country'].map((n) => str(n, `${n}.`)), primary,
  ]),
  multi('roles', 'One role.', [str('value', 'Role.'), primary]),
  multi('groups', 'The groups the user is a member of.', [
    str('value', 'Group ID.', { mutability: 'readOnly' }), str('display', 'Group name.', { mutability: 'readOnly' }),
  ], { mutability: 'readOnly' }),
];

const groupAttributes = [
  str('displayName', 'Group name, unique in the org.', { required: true, uniqueness: 'server' }),
  multi('members', 'Member users (at most 15,000 per request).', [
    str('value', 'User ID.', { required: true, mutability: 'immutable' }),
    str('display', 'The user\'s display name.', { mutability: 'readOnly' }),
  ]),
];

const enterpriseAttributes = [
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((n) => str(n, `${n}, kept as a custom profile field.`)),
  attr('manager', 'complex', 'The user\'s manager, kept as a custom profile field.', {
    subAttributes: [str('managerId', 'Slack user ID, primary email or username of the manager.', { required: true })],
  }),
];

const guestAttributes = [
  str('type', 'Only multi-channel guests can be provisioned.', { required: true, canonicalValues: ['multi'] }),
  attr('expiration', 'dateTime', 'When the guest account expires (ISO 8601).'),
];

const profileAttributes = [attr('startDate', 'dateTime', 'Start date (ISO 8601), kept as a custom profile field.')];

export interface SchemaDoc {
  id: string;
  name: string;
  description: string;
  attributes: object[];
}

export const USER_SCHEMA: SchemaDoc = { id: SCHEMAS.user, name: 'User', description: 'Slack user', attributes: userAttributes };
export const GROUP_SCHEMA: SchemaDoc = { id: SCHEMAS.group, name: 'Group', description: 'Slack IdP group', attributes: groupAttributes };

/** Every schema Slack supports, core first, then the user extensions. */
export const ALL_SCHEMAS: SchemaDoc[] = [
  USER_SCHEMA,
  GROUP_SCHEMA,
  { id: SCHEMAS.enterprise, name: 'EnterpriseUser', description: 'Enterprise user extension', attributes: enterpriseAttributes },
  { id: SCHEMAS.guest, name: 'GuestUser', description: 'Slack guest extension (Enterprise Grid only)', attributes: guestAttributes },
  { id: SCHEMAS.profile, name: 'ProfileUser', description: 'Slack profile extension', attributes: profileAttributes },
];

/** A Schema resource; `location` only where an endpoint serves it (Slack documents /Schemas/Users and /Schemas/Groups only). */
export function schemaResource(doc: SchemaDoc, location: string | undefined) {
  return { schemas: [SCHEMA_URN], ...doc, meta: { resourceType: 'Schema', ...(location ? { location } : {}) } };
}

export const RESOURCE_TYPES = [
  {
    schemas: [RESOURCE_TYPE_URN], id: 'User', name: 'User', endpoint: '/Users', description: 'Slack user (member or guest)',
    schema: SCHEMAS.user,
    schemaExtensions: [SCHEMAS.enterprise, SCHEMAS.guest, SCHEMAS.profile].map((schema) => ({ schema, required: false })),
    meta: { resourceType: 'ResourceType' },
  },
  {
    schemas: [RESOURCE_TYPE_URN], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Slack IdP group',
    schema: SCHEMAS.group,
    meta: { resourceType: 'ResourceType' },
  },
];
