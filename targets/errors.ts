/**
 * Every answer from a target (or failure to get one) is classified once, here, into what the caller should
 * do about it: carry on, wait and retry, retry, or give up and tell an admin why. What a status or body
 * means differs by target (Slack names its errors in `detail`; an RFC 7644 server gives a status and a
 * `scimType`): each target brings its ErrorDialect, and classification is the same for all.
 */

export type Classification =
  | { kind: 'success' }
  | { kind: 'rate_limited'; code: string; status: number; retryAfterMs: number; explanation: string }
  | { kind: 'retryable'; code: string; status?: number; explanation: string }
  | { kind: 'permanent'; code: string; status: number; explanation: string };

export type Failure = Exclude<Classification, { kind: 'success' }>;

export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

/** How one target names and explains its failures. */
export interface ErrorDialect {
  /** The error code a failed answer's body carries, if any (never free text: it may hold personal data). */
  codeOf(status: number, body: unknown): string | undefined;
  /** One sentence an admin can act on. */
  explain(code: string, status?: number): string;
  /** A 4xx code worth trying again unchanged. */
  retryable(code: string, status: number): boolean;
  /** A code that means "too many requests" whatever the status. */
  rateLimited(code: string): boolean;
}

/** Used when Retry-After is absent or unreadable. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/** Our own codes, for failures no target named. */
export const LOCAL_EXPLANATIONS: Record<string, string> = {
  network_error: 'The target could not be reached; the request is retried.',
  timeout: 'The target did not answer in time; the request is retried.',
  invalid_response: 'The answer did not have the expected SCIM shape.',
};

/**
 * Classifies one exchange. `status` undefined means no HTTP answer arrived, and the last argument is then
 * the network error; otherwise it is the response body (parsed JSON, or text).
 */
export function classifyWith(dialect: ErrorDialect, status: number | undefined, headers: HeaderBag | undefined, bodyOrError: unknown): Classification {
  if (status === undefined) {
    const code = isTimeout(bodyOrError) ? 'timeout' : 'network_error';
    return { kind: 'retryable', code, explanation: LOCAL_EXPLANATIONS[code]! };
  }
  if (status >= 200 && status < 300) return { kind: 'success' };
  const named = dialect.codeOf(status, bodyOrError);
  if (status === 429 || (named !== undefined && dialect.rateLimited(named))) {
    const code = named ?? 'too_many_requests';
    return { kind: 'rate_limited', code, status, retryAfterMs: retryAfterMs(header(headers, 'retry-after')), explanation: dialect.explain(code, status) };
  }
  if (status >= 500) {
    const code = named ?? 'internal_error';
    return { kind: 'retryable', code, status, explanation: dialect.explain(code, status) };
  }
  const code = named ?? `http_${status}`;
  if (dialect.retryable(code, status)) return { kind: 'retryable', code, status, explanation: dialect.explain(code, status) };
  return { kind: 'permanent', code, status, explanation: dialect.explain(code, status) };
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

/** A parsed JSON body, or the text itself parsed when it was not parsed yet. */
export function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Only code-like tokens: anything else could be free text carrying personal data. */
export function codeLike(token: string | undefined): string | undefined {
  return token !== undefined && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(token) ? token : undefined;
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

  /** The target could not be reached at all (no HTTP answer). */
  get unreachable(): boolean {
    return this.status === undefined;
  }
}
