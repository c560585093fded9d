import { describe, expect, it } from 'vitest';
import { classifyWith, ScimError, retryAfterMs, type HeaderBag } from '../../targets/errors';
import { slackErrorCode as errorCode, slackErrors } from '../../targets/slack/dialect';

const classify = (status: number | undefined, headers: HeaderBag | undefined, body: unknown) => classifyWith(slackErrors, status, headers, body);
import { SCHEMAS, SLACK_ERRORS } from '../../targets/slack/facts';

const v2 = (detail: string, status: number) => ({ schemas: [SCHEMAS.error], detail, status });
const v1 = (description: string, code: number) => ({ Errors: { description, code } });

describe('classify', () => {
  it.each([200, 201, 204])('%i is success', (status) => {
    expect(classify(status, {}, undefined)).toEqual({ kind: 'success' });
  });

  it('429 is rate_limited with Retry-After in ms', () => {
    expect(classify(429, { 'retry-after': '7' }, v2('too_many_requests', 429))).toEqual({
      kind: 'rate_limited', code: 'too_many_requests', status: 429, retryAfterMs: 7000, explanation: SLACK_ERRORS.too_many_requests.explain,
    });
  });

  it('429 without or with a garbled Retry-After waits 1 s', () => {
    expect(classify(429, {}, undefined)).toMatchObject({ kind: 'rate_limited', code: 'too_many_requests', retryAfterMs: 1000 });
    expect(classify(429, { 'Retry-After': 'soon' }, '')).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(classify(429, new Headers({ 'retry-after': '2' }), undefined)).toMatchObject({ retryAfterMs: 2000 });
  });

  it('429 resource_locked keeps its code', () => {
    expect(classify(429, { 'retry-after': '3' }, v2('resource_locked', 429))).toMatchObject({
      kind: 'rate_limited', code: 'resource_locked', retryAfterMs: 3000, explanation: SLACK_ERRORS.resource_locked.explain,
    });
  });

  it.each([500, 502, 503, 504])('%i is retryable', (status) => {
    expect(classify(status, {}, 'Bad Gateway')).toMatchObject({ kind: 'retryable', code: 'internal_error', status });
  });

  it('5xx keeps Slack\'s code when it gives one', () => {
    expect(classify(500, {}, v2('user_creation_failed', 500))).toMatchObject({ kind: 'retryable', code: 'user_creation_failed', status: 500 });
  });

  it('network errors are retryable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classify(undefined, undefined, refused)).toEqual({ kind: 'retryable', code: 'network_error', explanation: expect.any(String) });
  });

  it.each([
    Object.assign(new Error('headers'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
    new DOMException('The operation timed out.', 'TimeoutError'),
    new DOMException('aborted', 'AbortError'),
  ])('timeouts are retryable: %s', (error) => {
    expect(classify(undefined, undefined, error)).toMatchObject({ kind: 'retryable', code: 'timeout' });
  });

  it('4xx is permanent with Slack\'s code (v2 detail) and explanation', () => {
    expect(classify(409, {}, v2('email_taken', 409))).toEqual({
      kind: 'permanent', code: 'email_taken', status: 409, explanation: SLACK_ERRORS.email_taken.explain,
    });
  });

  it('reads v1-style Errors.description and drops a parenthetical suffix', () => {
    expect(classify(400, {}, v1('no_filters (is_aggregate_call=1)', 400))).toMatchObject({ kind: 'permanent', code: 'no_filters', status: 400 });
  });

  it('reads a body given as text', () => {
    expect(classify(401, {}, JSON.stringify(v2('invalid_authentication', 401)))).toMatchObject({ kind: 'permanent', code: 'invalid_authentication' });
  });

  it('unknown codes get a fallback explanation; a bodyless 4xx gets http_<status>', () => {
    const unknown = classify(400, {}, v2('brand_new_error', 400));
    expect(unknown).toMatchObject({ kind: 'permanent', code: 'brand_new_error' });
    expect(unknown.kind === 'permanent' && unknown.explanation).toContain('brand_new_error');
    expect(classify(403, {}, undefined)).toMatchObject({ kind: 'permanent', code: 'http_403', status: 403 });
  });

  it('a 4xx code marked retryable in SLACK_ERRORS is retried', () => {
    expect(classify(400, {}, v2('internal_error', 400))).toMatchObject({ kind: 'retryable', code: 'internal_error', status: 400 });
  });
});

describe('errorCode', () => {
  it('ignores free text that is not a code', () => {
    expect(errorCode({ detail: 'ada@example.test is taken' })).toBeUndefined();
    expect(errorCode('<html>oops</html>')).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates and falls back to 1 s', () => {
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('1.5')).toBe(1500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBe(1000);
    expect(retryAfterMs('-3')).toBe(1000);
  });
});

describe('ScimError', () => {
  it('carries the classification and a message without request data', () => {
    const failure = classify(409, {}, v2('email_taken', 409));
    if (failure.kind === 'success') throw new Error('unreachable');
    const e = new ScimError(failure, 'POST /Users');
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'ScimError', kind: 'permanent', code: 'email_taken', status: 409, retryable: false });
    expect(e.message).toBe(`POST /Users: permanent email_taken (HTTP 409): ${SLACK_ERRORS.email_taken.explain}`);
  });

  it('exposes retryAfterMs for rate limits only', () => {
    const limited = classify(429, { 'retry-after': '4' }, undefined);
    const down = classify(503, {}, undefined);
    if (limited.kind === 'success' || down.kind === 'success') throw new Error('unreachable');
    expect(new ScimError(limited).retryAfterMs).toBe(4000);
    expect(new ScimError(down).retryAfterMs).toBeUndefined();
  });
});
