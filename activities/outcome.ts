import { ApplicationFailure } from '@temporalio/activity';
import { ScimError } from '../targets/errors';

/**
 * Turns a classified transient SCIM failure into Temporal's retry semantics: a rate limit waits as
 * long as Slack asked (nextRetryDelay), anything else follows the retry policy. The failure carries
 * Slack's code (details[0]) and nothing else: no names, emails or tokens reach workflow history.
 */
export function rethrowForRetry(err: unknown): never {
  if (err instanceof ScimError && err.kind === 'rate_limited') {
    throw ApplicationFailure.create({ type: 'RateLimited', message: `rate limited (${err.code})`, details: [err.code], nextRetryDelay: err.retryAfterMs ?? 1000 });
  }
  if (err instanceof ScimError) throw ApplicationFailure.create({ type: 'ScimTransient', message: `transient SCIM failure (${err.code})`, details: [err.code] });
  throw err;
}
