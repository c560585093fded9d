/**
 * Slack's SCIM rate limits as token buckets [spec §7]: one org-wide bucket per set (writes, reads)
 * plus one per endpoint, all shared by every client of this emulator instance (one Slack org).
 */
import { endpointBudgetKey, isWriteMethod, type RateLimitRule } from '../core/token-bucket';
import { ENDPOINT_RATE_LIMITS, ORG_RATE_LIMITS } from '../targets/slack/facts';

export interface RateLimitSetting {
  enabled: boolean;
  /** Multiplies every rate and burst, so tests and benchmarks can run Slack's shape faster or slower. */
  scale?: number;
}

/** Capacity `burst`, refilled continuously at perMinute/60 tokens per second. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly capacity: number, private readonly perSecond: number, now: number) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Milliseconds until one token is available (0: available now). */
  waitMs(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.perSecond) * 1000;
  }

  take(): void {
    this.tokens -= 1;
  }
}

/** What a request counts against; discovery reads (ResourceTypes, Schemas) have only the org read set. */
export type Resource = 'Users' | 'Users/:id' | 'Groups' | 'Groups/:id' | 'ResourceTypes' | 'Schemas';

export class RateLimiter {
  private setting: Required<RateLimitSetting>;
  private buckets = new Map<string, TokenBucket>();

  constructor(setting: RateLimitSetting, private readonly now: () => number = Date.now) {
    this.setting = { enabled: setting.enabled, scale: setting.scale ?? 1 };
  }

  get current(): Required<RateLimitSetting> {
    return { ...this.setting };
  }

  configure(setting: RateLimitSetting): void {
    this.setting = { enabled: setting.enabled, scale: setting.scale ?? 1 };
    this.reset();
  }

  /** Refills every bucket (forgets past traffic). */
  reset(): void {
    this.buckets.clear();
  }

  /**
   * Takes one token from each bucket the request counts against, or none when any is empty.
   * Returns 0 when allowed, else the Retry-After in whole seconds (at least 1).
   */
  acquire(method: string, resource: Resource): number {
    if (!this.setting.enabled) return 0;
    const now = this.now();
    const org = isWriteMethod(method) ? 'write' : 'read';
    const budgets: Array<[string, RateLimitRule]> = [[`org ${org}`, ORG_RATE_LIMITS[org]]];
    const key = endpointBudgetKey(method, resource);
    const endpointRule = (ENDPOINT_RATE_LIMITS as Record<string, RateLimitRule>)[key];
    if (endpointRule) budgets.push([key, endpointRule]);
    const buckets = budgets.map(([name, rule]) => this.bucket(name, rule, now));
    const waitMs = Math.max(...buckets.map((b) => b.waitMs(now)));
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    for (const b of buckets) b.take();
    return 0;
  }

  private bucket(name: string, rule: RateLimitRule, now: number): TokenBucket {
    let b = this.buckets.get(name);
    if (!b) {
      const { scale } = this.setting;
      // At least one token of capacity, or a small scale would refuse every request forever.
      b = new TokenBucket(Math.max(1, rule.burst * scale), (rule.perMinute * scale) / 60, now);
      this.buckets.set(name, b);
    }
    return b;
  }
}
