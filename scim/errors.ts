import { SLACK_ERRORS, isSlackErrorCode, leadingErrorToken } from '../core/slack';

/**
 * Every answer from Slack (or failure to get one) is classified once, here, into what the caller
 * should do about it: carry on, wait and retry, retry, or give up and tell an admin why.
 */

export type Classification =
  | { kind: 'success' }
  | { kind: 'rate_limited'; code: string; status: number; retryAfterMs: number; explanation: string }
  | { kind: 'retryable'; code: string; status?: number; explanation: string }
  | { kind: 'permanent'; code: string; status: number; explanation: string };

export type Failure = Exclude<Classification, { kind: 'success' }>;

export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

/** Used when Retry-After is absent or unreadable. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/** Our own codes, for failures Slack did not name. */
const LOCAL_EXPLANATIONS: Record<string, string> = {
  network_error: 'Slack could not be reached; the request is retried.',
  timeout: 'Slack did not answer in time; the request is retried.',
  invalid_response: 'Slack\'s answer did not have the expected SCIM shape.',
};

export function explain(code: string, status?: number): string {
  if (isSlackErrorCode(code)) return SLACK_ERRORS[code].explain;
  const local = LOCAL_EXPLANATIONS[code];
  if (local) return local;
  return `Slack refused the request${status ? ` (HTTP ${status})` : ''} with an error this connector does not know: ${code}.`;
}

/**
 * Classifies one exchange. `status` undefined means no HTTP answer arrived, and the third argument
 * is then the network error; otherwise it is the response body (parsed JSON, or text).
 */
export function classify(status: number | undefined, headers: HeaderBag | undefined, bodyOrError: unknown): Classification {
  if (status === undefined) {
    const code = isTimeout(bodyOrError) ? 'timeout' : 'network_error';
    return { kind: 'retryable', code, explanation: explain(code) };
  }
  if (status >= 200 && status < 300) return { kind: 'success' };

  const slackCode = errorCode(bodyOrError);
  if (status === 429 || slackCode === 'too_many_requests' || slackCode === 'resource_locked') {
    const code = slackCode ?? 'too_many_requests';
    return { kind: 'rate_limited', code, status, retryAfterMs: retryAfterMs(header(headers, 'retry-after')), explanation: explain(code) };
  }
  if (status >= 500) {
    const code = slackCode ?? 'internal_error';
    return { kind: 'retryable', code, status, explanation: explain(code, status) };
  }
  const code = slackCode ?? `http_${status}`;
  if (isSlackErrorCode(code) && SLACK_ERRORS[code].retryable) {
    return { kind: 'retryable', code, status, explanation: explain(code, status) };
  }
  return { kind: 'permanent', code, status, explanation: explain(code, status) };
}

/** Slack's code from a v2 body (`detail`) or a v1-style one (`Errors.description`), leading token only. */
export function errorCode(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? tryJson(body) : body;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const b = parsed as { detail?: unknown; Errors?: unknown };
  const v1 = Array.isArray(b.Errors) ? b.Errors[0] : b.Errors;
  const raw = typeof b.detail === 'string' ? b.detail : (v1 as { description?: unknown } | undefined)?.description;
  if (typeof raw !== 'string') return undefined;
  const token = leadingErrorToken(raw);
  // Only code-like tokens: anything else could be free text carrying personal data.
  return /^[A-Za-z][A-Za-z0-9_.-]*$/.test(token) ? token : undefined;
}

/** Retry-After in seconds (or an HTTP date) → milliseconds; unreadable → 1 s. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number {
  if (value === undefined || value.trim() === '') return DEFAULT_RETRY_AFTER_MS;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // Otherwise only an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT") counts.
  const at = /[a-z]/i.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - now);
}

function header(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  return Array.isArray(v) ? v[0] : v;
}

function isTimeout(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.name === 'TimeoutError' || e.name === 'AbortError' || (typeof e.code === 'string' && e.code.endsWith('_TIMEOUT'));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A classified failure. Its message names the request and the code, never the token or request data. */
export class ScimError extends Error {
  readonly kind: Failure['kind'];
  readonly code: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly explanation: string;

  constructor(failure: Failure, request?: string, options?: { cause?: unknown }) {
    const status = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
    super(`${request ? `${request}: ` : ''}${failure.kind} ${failure.code}${status}: ${failure.explanation}`, options);
    this.name = 'ScimError';
    this.kind = failure.kind;
    this.code = failure.code;
    this.status = failure.status;
    this.retryAfterMs = failure.kind === 'rate_limited' ? failure.retryAfterMs : undefined;
    this.explanation = failure.explanation;
  }

  get retryable(): boolean {
    return this.kind !== 'permanent';
  }
}
