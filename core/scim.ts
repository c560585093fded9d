/** SCIM 2.0's schema and message URNs (RFC 7643 §8.7, RFC 7644 §3): the same for every target. */
export const SCIM_URNS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** RFC 7644 §3.12: the `scimType` values of a 400/409/412 error, with what each means for an admin. */
export const SCIM_ERROR_TYPES: Record<string, string> = {
  invalidFilter: 'The server could not read the filter.',
  tooMany: 'The server would return too many results for this query.',
  uniqueness: 'Another resource already has this unique value (usually the userName or an email): change it in the directory or in the target.',
  mutability: 'The request tried to change an attribute the server does not allow to be changed.',
  invalidSyntax: 'The server could not read the request.',
  invalidPath: 'The server does not know an attribute path of the request.',
  noTarget: 'The attribute path of the request matched nothing on the server.',
  invalidValue: 'The server refused a value of the request (a required attribute missing, or a value of the wrong form).',
  invalidVers: 'The server does not support this SCIM version.',
  sensitive: 'The request carried sensitive information in a way the server refuses.',
};
