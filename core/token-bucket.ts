/**
 * Token-bucket arithmetic for the rate governor (U7), pure: no clock, no I/O.
 *
 * A bucket holds at most `capacity` tokens and refills continuously at `ratePerSec`; a request may
 * go when every bucket it counts against holds at least one token, and then takes one from each.
 * A target's limits come as a RateTable (Slack's: targets/slack/facts.ts); this module turns them into the
 * buckets one SCIM request needs, scaled (to run Slack's shape faster in tests and benchmarks, like the
 * emulator's `scale`) and reduced by a safety margin.
 *
 * Why a margin at all: Slack's buckets and Bindery's are separate and their clocks are not in step.
 * A request granted here reaches Slack some milliseconds later, and requests granted a little
 * apart may arrive closer together. So Bindery keeps its own buckets slightly smaller than Slack's:
 * - `rate` (default 0.98): Slack's bucket gains 2% of the limit per second over ours, headroom that
 *   keeps growing (up to Slack's burst) and absorbs arrival jitter for good; the sustained
 *   throughput is 98% of what Slack allows.
 * - `burst` (default 0.9): Slack starts with a tenth of its burst more than Bindery will ever spend
 *   at once, headroom for jitter from the very first second, before the rate margin has built up.
 *   The burst is not halved (a common rule of thumb) because in a bulk run every token of burst
 *   left unspent costs 1/rate of extra run time and never comes back: for 1,000 creates at scale 10
 *   half the burst uses ~89% of what Slack allows over the run (burst + rate × elapsed), 0.9 ~96%.
 *   (test/core/token-bucket.test.ts simulates this against the emulator's limiter with network
 *   jitter; safety 1 there draws 429s, the defaults none.)
 * The benchmark (bench/governor.ts) measures both goals: ≥ 95% of the allowed rate, ≤ 0.5% of 429s.
 */
export type RateLimitRule = { perMinute: number; burst: number };

/** A target's limits: org-wide sets for writes and reads, and per-endpoint budgets keyed `METHOD resource`. */
export type RateTable = {
  org: { write: RateLimitRule; read: RateLimitRule };
  /** Keyed `METHOD resource` where resource is `Users`, `Users/:id`, `Groups` or `Groups/:id`. */
  endpoints: Readonly<Record<string, RateLimitRule>>;
};

/** PUT and PATCH share one per-endpoint budget (Slack: "PUT/PATCH /Users/<id>"). */
export function endpointBudgetKey(method: string, resource: string): string {
  const m = method.toUpperCase() === 'PUT' ? 'PATCH' : method.toUpperCase();
  return `${m} ${resource}`;
}

export function isWriteMethod(method: string): boolean {
  return ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method.toUpperCase());
}

export interface Bucket {
  /** Stable name, part of the shared key: `org write`, `org read`, or an endpoint budget like `POST Users`. */
  name: string;
  capacity: number;
  ratePerSec: number;
}

/** Fractions of Slack's limits Bindery allows itself: `rate` of the refill rate, `burst` of the burst. */
export interface Safety {
  rate: number;
  burst: number;
}

export const DEFAULT_SAFETY: Readonly<Safety> = Object.freeze({ rate: 0.98, burst: 0.9 });

export interface BucketOptions {
  /** Multiplies every rate and burst (default 1: Slack's real limits). Must match the emulator's scale. */
  scale?: number;
  /** One number applies to both the rate and the burst; an object sets them apart (missing: default). */
  safety?: number | Partial<Safety>;
}

/** The safety fractions to use, validated (each in (0, 1]). */
export function resolveSafety(safety: BucketOptions['safety']): Safety {
  const s: Safety = typeof safety === 'number' ? { rate: safety, burst: safety } : { ...DEFAULT_SAFETY, ...safety };
  for (const [k, v] of Object.entries(s)) {
    if (!(v > 0 && v <= 1)) throw new RangeError(`safety.${k} must be in (0, 1], got ${v}`);
  }
  return s;
}

/** Tokens after `elapsedSec` of refill, never above capacity; negative elapsed time (clock skew) refills nothing. */
export function refill(tokens: number, capacity: number, ratePerSec: number, elapsedSec: number): number {
  return Math.min(capacity, tokens + ratePerSec * Math.max(0, elapsedSec));
}

/** Milliseconds until a bucket holding `tokens` has one whole token (0: now), rounded up. */
export function waitMsFor(tokens: number, ratePerSec: number): number {
  if (tokens >= 1) return 0;
  if (!(ratePerSec > 0)) return Number.POSITIVE_INFINITY;
  // The tolerance keeps float noise (1.0000000000000009 ms) from adding a whole millisecond.
  return Math.ceil(((1 - tokens) / ratePerSec) * 1000 - 1e-6);
}

export interface TakeResult {
  granted: boolean;
  /** Tokens left after the refill and, when granted, the take. */
  tokens: number;
  /** 0 when granted, else how long until a token is there. */
  waitMs: number;
}

/** Refills one bucket, then takes a token if a whole one is there. */
export function tryTake(tokens: number, capacity: number, ratePerSec: number, elapsedSec: number): TakeResult {
  const now = refill(tokens, capacity, ratePerSec, elapsedSec);
  if (now >= 1) return { granted: true, tokens: now - 1, waitMs: 0 };
  return { granted: false, tokens: now, waitMs: waitMsFor(now, ratePerSec) };
}

export interface BucketState {
  tokens: number;
  capacity: number;
  ratePerSec: number;
  elapsedSec: number;
}

/**
 * All or nothing over several buckets: refills each, then takes one token from every bucket when
 * each has one, else from none. `waitMs` is the longest wait among the buckets short of a token.
 * The same rule the governor applies in SQL.
 */
export function tryTakeAll(states: readonly BucketState[]): { granted: boolean; tokens: number[]; waitMs: number } {
  const refilled = states.map((s) => refill(s.tokens, s.capacity, s.ratePerSec, s.elapsedSec));
  if (refilled.every((t) => t >= 1)) return { granted: true, tokens: refilled.map((t) => t - 1), waitMs: 0 };
  const waitMs = Math.max(0, ...refilled.map((t, i) => waitMsFor(t, states[i]!.ratePerSec)));
  return { granted: false, tokens: refilled, waitMs };
}

/** SCIM resources with limits of their own [§7]. */
export type Resource = 'Users' | 'Users/:id' | 'Groups' | 'Groups/:id';

/**
 * Reduces what a caller names a resource to its rate-limit class: `Users`, `/Users/U123`,
 * `Users/:id?x=1` → `Users` / `Users/:id`. Other resources are returned trimmed, unchanged.
 */
export function normaliseResource(resource: string): string {
  const path = resource.split('?', 1)[0]!.replace(/^\/+|\/+$/g, '');
  const [type, id, ...rest] = path.split('/');
  if ((type === 'Users' || type === 'Groups') && rest.length === 0) return id === undefined ? type : `${type}/:id`;
  return path;
}

function bucket(name: string, rule: RateLimitRule, scale: number, safety: Safety): Bucket {
  return {
    name,
    // At least one token, or a small scale would refuse every request forever (as in the emulator).
    capacity: Math.max(1, rule.burst * scale * safety.burst),
    ratePerSec: ((rule.perMinute * scale) / 60) * safety.rate,
  };
}

/**
 * The buckets one SCIM request counts against: the org-wide write or read set, plus the endpoint's
 * own budget when it has one (list endpoints have only the org read set; PUT and PATCH share one).
 */
export function bucketsFor(table: RateTable, method: string, resource: string, opts: BucketOptions = {}): Bucket[] {
  const scale = opts.scale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const safety = resolveSafety(opts.safety);
  const set = isWriteMethod(method) ? 'write' : 'read';
  const buckets = [bucket(`org ${set}`, table.org[set], scale, safety)];
  const endpoint = endpointBudgetKey(method, normaliseResource(resource));
  const rule = table.endpoints[endpoint];
  if (rule) buckets.push(bucket(endpoint, rule, scale, safety));
  return buckets;
}

/**
 * The most requests a bucket lets through in a window of `windowSec` starting full: the burst plus
 * the refill. The bound tests and the benchmark hold grants (and Slack's limits) against.
 */
export function maxGrants(b: Pick<Bucket, 'capacity' | 'ratePerSec'>, windowSec: number): number {
  return b.capacity + b.ratePerSec * Math.max(0, windowSec);
}
