import { ApplicationFailure } from '@temporalio/activity';
import { ScimError } from '../scim/errors';

/**
 * Turns a classified SCIM failure into Temporal's retry semantics: rate limits wait as long as Slack
 * asked (nextRetryDelay), transient failures follow the retry policy. Messages carry Slack's error
 * code only: no names, emails or tokens reach workflow history.
 */
export function rethrowForRetry(err: unknown): never {
  if (err instanceof ScimError && err.kind === 'rate_limited') {
    throw ApplicationFailure.create({ type: 'RateLimited', message: `rate limited (${err.code})`, nextRetryDelay: err.retryAfterMs ?? 1000 });
  }
  if (err instanceof ScimError) throw ApplicationFailure.retryable(`transient SCIM failure (${err.code})`, 'ScimTransient');
  throw err;
}
