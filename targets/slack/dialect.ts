import { isSlackErrorCode, leadingErrorToken, LIMITS, SLACK_ERRORS } from './facts';
import { codeLike, type ErrorDialect, jsonBody, LOCAL_EXPLANATIONS } from '../errors';
import { ScimClient, type ScimClientOptions, type ScimDialect, scimString } from '../scim-client';

/**
 * Slack's SCIM dialect (shared spec slack-scim.md): errors named by a code in `detail` (v2) or
 * `Errors.description` (v1 style), DELETE that deactivates, `userName eq` and `emails eq` filters, pages of
 * at most 1,000, no ETags.
 */

/** Slack's code from a v2 body (`detail`) or a v1-style one (`Errors.description`), leading token only [§6]. */
export function slackErrorCode(body: unknown): string | undefined {
  const parsed = jsonBody(body);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const b = parsed as { detail?: unknown; Errors?: unknown };
  const v1 = Array.isArray(b.Errors) ? b.Errors[0] : b.Errors;
  const raw = typeof b.detail === 'string' ? b.detail : (v1 as { description?: unknown } | undefined)?.description;
  return typeof raw === 'string' ? codeLike(leadingErrorToken(raw)) : undefined;
}

export function explainSlack(code: string, status?: number): string {
  if (isSlackErrorCode(code)) return SLACK_ERRORS[code].explain;
  const local = LOCAL_EXPLANATIONS[code];
  if (local) return local.replace('The target', 'Slack');
  return `Slack refused the request${status ? ` (HTTP ${status})` : ''} with an error this connector does not know: ${code}.`;
}

export const slackErrors: ErrorDialect = {
  codeOf: (_status, body) => slackErrorCode(body),
  explain: explainSlack,
  retryable: (code) => isSlackErrorCode(code) && SLACK_ERRORS[code].retryable,
  rateLimited: (code) => code === 'too_many_requests' || code === 'resource_locked',
};

export const slackDialect: ScimDialect = {
  ...slackErrors,
  deactivation: 'delete',
  filtering: true,
  // Slack lowercases userNames, so the lookup does too.
  userNameFilter: (userName) => `userName eq ${scimString(userName.toLowerCase())}`,
  emailFilter: (email) => `emails eq ${scimString(email)}`,
  groupNameFilter: (displayName) => `displayName eq ${scimString(displayName)}`,
  maxPageSize: LIMITS.pageSizeMax,
  etag: false,
  contentType: 'application/json',
  isNotFound: (e) => e.status === 404 && ['no_such_user', 'unknown_user', 'no_such_group'].includes(e.code),
};

/** A SCIM client speaking Slack's dialect. */
export function slackClient(options: Omit<ScimClientOptions, 'dialect'>): ScimClient {
  return new ScimClient({ ...options, dialect: slackDialect });
}
