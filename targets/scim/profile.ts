import type { DirectoryUser } from '../../core/directory';
import { diffScimUser, toScimUser } from '../../core/mapping';
import type { RemoteConfig } from '../../core/remote-config';
import { SCIM_URNS } from '../../core/scim';
import type { ScimUserPayload } from '../../core/scim-user';
import { isPlainLine } from '../../core/text';
import type { TargetProfile, TargetSettings, ValidationProblem } from '../target';
import { explainRfc, rfcDialect } from './dialect';

/** Attributes every SCIM resource has (RFC 7643 §3.1), whatever the User schema lists. */
const COMMON_ATTRIBUTES = new Set(['schemas', 'id', 'externalid', 'meta']);

/** The payload cut to what the service provider declared: an attribute it does not know would be refused (invalidPath). */
export function restrictToSchema(payload: ScimUserPayload, config: RemoteConfig | null): ScimUserPayload {
  if (!config) return payload;
  const known = new Set(config.userAttributes);
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (key === SCIM_URNS.enterprise) {
      if (config.enterpriseUser) body[key] = value;
    } else if (COMMON_ATTRIBUTES.has(key.toLowerCase()) || known.size === 0 || known.has(key.toLowerCase())) body[key] = value;
  }
  if (!body[SCIM_URNS.enterprise]) body.schemas = [SCIM_URNS.user];
  return body as ScimUserPayload;
}

/** What RFC 7643 itself requires of a user: a userName, and emails that are addresses. */
function rfcProblems(user: DirectoryUser): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (user.username.trim() === '') problems.push({ code: 'invalidValue', field: 'username', message: 'The username is empty; the service provider needs one.' });
  else if (!isPlainLine(user.username)) problems.push({ code: 'invalidValue', field: 'username', message: 'The username contains control characters, which the service provider would refuse.' });
  if (!/^[^\s@]+@[^\s@]+$/.test(user.email)) problems.push({ code: 'invalidValue', field: 'email', message: 'The email is not an address.' });
  return problems;
}

/** Any SCIM 2.0 service provider (X3): the seed's table as RFC 7643 attributes, capabilities as discovered. */
export function scimProfile(settings: TargetSettings): TargetProfile {
  const config = settings.remoteConfig;
  const payloadOf = (user: DirectoryUser) => restrictToSchema(toScimUser(user, { sendDisplayName: true }), config);
  return {
    kind: 'scim',
    targetName: settings.label,
    groups: config?.groups ?? true,
    groupBatchSize: 1000,
    dialect: rfcDialect(config),
    deletion: settings.deprovision === 'delete' ? 'delete' : 'deactivate',
    userPayload: payloadOf,
    validateUser: (user) => rfcProblems(user),
    staticProblems: (user) => rfcProblems(user),
    diffUser: (_user, payload, remote) => diffScimUser(payload, remote, { sendDisplayName: true }),
    manualAction: () => undefined,
    creationAction: () => undefined,
    canJoinGroups: () => true,
    isManagedGroupName: () => false,
    rateLimitKey: undefined,
    explain: (code) => explainRfc(code),
  };
}
