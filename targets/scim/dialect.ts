import type { RemoteConfig } from '../../core/remote-config';
import { SCIM_ERROR_TYPES } from '../../core/scim';
import { codeLike, type ErrorDialect, jsonBody, LOCAL_EXPLANATIONS } from '../errors';
import { type ScimDialect, scimString } from '../scim-client';

/**
 * The dialect of an RFC 7644 service provider: errors are an HTTP status with an optional `scimType`
 * (never the first word of `detail`, which is free text: against an RFC server that reads "User" out of
 * "User not found"), users are deactivated with PATCH active=false (DELETE really deletes), filters and
 * page sizes as the server declared them, ETags where offered.
 */

const STATUS_EXPLANATIONS: Record<number, string> = {
  400: 'The service provider refused the request as malformed.',
  401: 'The service provider refused the token: re-authenticate the connector with a valid one.',
  403: 'The token may not make this change on the service provider.',
  404: 'The service provider has no such resource.',
  409: 'Another resource on the service provider already has a unique value of this one (usually the userName or an email).',
  412: 'The resource changed on the service provider since it was read; it is read again and the change retried.',
  413: 'The request was too large for the service provider.',
  500: 'The service provider failed; the request is retried.',
  501: 'The service provider does not implement this operation.',
};

/** `scimType` when the body names one, else `http_<status>`. */
export function rfcErrorCode(status: number, body: unknown): string {
  const parsed = jsonBody(body) as { scimType?: unknown } | undefined;
  const type = typeof parsed === 'object' && parsed !== null ? codeLike(typeof parsed.scimType === 'string' ? parsed.scimType : undefined) : undefined;
  return type ?? `http_${status}`;
}

export function explainRfc(code: string, status?: number): string {
  const http = /^http_(\d{3})$/.exec(code);
  const s = http ? Number(http[1]) : status;
  return SCIM_ERROR_TYPES[code] ?? LOCAL_EXPLANATIONS[code] ?? (s !== undefined ? STATUS_EXPLANATIONS[s] : undefined) ?? `The service provider refused the request (${code}).`;
}

export const rfcErrors: ErrorDialect = {
  codeOf: rfcErrorCode,
  explain: explainRfc,
  // 412: the version changed under us; the retry reads it again. 408: the server timed out waiting.
  retryable: (_code, status) => status === 412 || status === 408,
  rateLimited: () => false,
};

/** Page size when the server declares none: RFC 7644 leaves it to the server; 100 is a common default. */
export const DEFAULT_PAGE_SIZE = 100;

export function rfcDialect(config: RemoteConfig | null): ScimDialect {
  return {
    ...rfcErrors,
    deactivation: 'patch',
    filtering: config?.filter.supported ?? true,
    userNameFilter: (userName) => `userName eq ${scimString(userName)}`,
    emailFilter: (email) => `emails.value eq ${scimString(email)}`,
    groupNameFilter: (displayName) => `displayName eq ${scimString(displayName)}`,
    maxPageSize: config?.filter.maxResults && config.filter.maxResults > 0 ? Math.min(config.filter.maxResults, 1000) : DEFAULT_PAGE_SIZE,
    etag: config?.etag ?? false,
    contentType: 'application/scim+json',
    isNotFound: (e) => e.status === 404,
  };
}
