import { describe, expect, it } from 'vitest';
import { ENDPOINT_RATE_LIMITS, ORG_RATE_LIMITS, SLACK_RATE_LIMITS } from '../../targets/slack/facts';
import type { RateLimitRule } from '../../core/token-bucket';
import {
  type BucketState,
  DEFAULT_SAFETY,
  bucketsFor,
  maxGrants,
  normaliseResource,
  refill,
  resolveSafety,
  tryTake,
  tryTakeAll,
  waitMsFor,
} from '../../core/token-bucket';
import { RateLimiter } from '../../emulator/rate-limit';
import { prng } from '../support/prng';

// The governor's bucket arithmetic, with no clock and no database.

const endpoint = (key: string): RateLimitRule => (ENDPOINT_RATE_LIMITS as Record<string, RateLimitRule>)[key]!;


describe('refill', () => {
  it('adds rate × elapsed time', () => {
    expect(refill(0, 10, 2, 1.5)).toBe(3);
    expect(refill(4.25, 10, 0.5, 1)).toBe(4.75);
    expect(refill(3, 10, 2, 0)).toBe(3);
  });

  it('never goes above the capacity, and clamps a bucket that holds more (capacity lowered)', () => {
    expect(refill(9, 10, 2, 5)).toBe(10);
    expect(refill(10, 10, 2, 1)).toBe(10);
    expect(refill(25, 10, 2, 0)).toBe(10);
  });

  it('refills nothing for a negative elapsed time (clock skew) or a zero rate', () => {
    expect(refill(2, 10, 2, -3)).toBe(2);
    expect(refill(2, 10, 0, 100)).toBe(2);
  });

  it('pays back a debt (negative tokens)', () => {
    expect(refill(-1, 10, 1, 0.5)).toBe(-0.5);
  });
});

describe('waitMsFor', () => {
  it('is 0 with a whole token or more', () => {
    expect(waitMsFor(1, 3)).toBe(0);
    expect(waitMsFor(7.5, 3)).toBe(0);
  });

  it('is the time to refill to one token, rounded up to the millisecond', () => {
    expect(waitMsFor(0.5, 2)).toBe(250);
    expect(waitMsFor(0, 3)).toBe(334); // 333.33…
    expect(waitMsFor(-1, 1)).toBe(2000);
    expect(waitMsFor(0.9999, 1000)).toBe(1); // 0.0001 ms → 1
  });

  it('is infinite when the bucket never refills', () => {
    expect(waitMsFor(0.5, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('waiting that long really yields a token', () => {
    const rand = prng(7);
    for (let i = 0; i < 1000; i++) {
      const tokens = rand() * 2 - 1;
      const rate = 0.01 + rand() * 100;
      const wait = waitMsFor(tokens, rate);
      expect(refill(tokens, 10, rate, wait / 1000)).toBeGreaterThanOrEqual(1 - 1e-12);
      if (wait > 1) expect(refill(tokens, 10, rate, (wait - 1) / 1000)).toBeLessThan(1);
    }
  });
});

describe('tryTake', () => {
  it('takes one token when a whole one is there after the refill', () => {
    expect(tryTake(1, 5, 1, 0)).toEqual({ granted: true, tokens: 0, waitMs: 0 });
    expect(tryTake(0.5, 5, 1, 0.5)).toEqual({ granted: true, tokens: 0, waitMs: 0 });
    expect(tryTake(5, 5, 1, 10)).toEqual({ granted: true, tokens: 4, waitMs: 0 });
  });

  it('refuses short of a whole token, keeps the refill and says how long to wait', () => {
    expect(tryTake(0, 5, 2, 0.25)).toEqual({ granted: false, tokens: 0.5, waitMs: 250 });
    expect(tryTake(0.999, 5, 1, 0)).toMatchObject({ granted: false, waitMs: 1 });
  });

  it('a full bucket grants exactly its capacity at once, then the rate', () => {
    const capacity = 20;
    const rate = 3;
    let tokens = capacity;
    let granted = 0;
    for (;;) {
      const r = tryTake(tokens, capacity, rate, 0);
      tokens = r.tokens;
      if (!r.granted) break;
      granted++;
    }
    expect(granted).toBe(capacity);
    // Over 10 s of one attempt per millisecond: exactly rate × 10 more.
    let more = 0;
    for (let ms = 1; ms <= 10_000; ms++) {
      const r = tryTake(tokens, capacity, rate, 0.001);
      tokens = r.tokens;
      if (r.granted) more++;
    }
    expect(more).toBeGreaterThanOrEqual(rate * 10 - 1);
    expect(more).toBeLessThanOrEqual(rate * 10);
  });

  it('never grants more than capacity + rate × window, for any pattern of attempts', () => {
    const rand = prng(42);
    for (let run = 0; run < 20; run++) {
      const capacity = 1 + Math.floor(rand() * 30);
      const rate = 0.5 + rand() * 20;
      let tokens = capacity;
      let t = 0;
      const grants: number[] = [];
      for (let i = 0; i < 400; i++) {
        const dt = rand() < 0.3 ? 0 : rand() * (2 / rate);
        t += dt;
        const r = tryTake(tokens, capacity, rate, dt);
        tokens = r.tokens;
        if (r.granted) grants.push(t);
      }
      let worst = Number.NEGATIVE_INFINITY; // grants in a window minus the most allowed in it
      for (let a = 0; a < grants.length; a++) {
        for (let b = a; b < grants.length; b++) {
          worst = Math.max(worst, b - a + 1 - maxGrants({ capacity, ratePerSec: rate }, grants[b]! - grants[a]!));
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-9);
      expect(grants.length).toBeGreaterThan(capacity);
    }
  });
});

describe('tryTakeAll', () => {
  const full = (tokens: number, capacity = 10, ratePerSec = 1, elapsedSec = 0): BucketState => ({ tokens, capacity, ratePerSec, elapsedSec });

  it('takes from every bucket when each holds a token', () => {
    expect(tryTakeAll([full(3), full(1)])).toEqual({ granted: true, tokens: [2, 0], waitMs: 0 });
  });

  it('takes from none when any bucket is short, and waits for the slowest', () => {
    expect(tryTakeAll([full(5), full(0.5, 10, 2)])).toEqual({ granted: false, tokens: [5, 0.5], waitMs: 250 });
    expect(tryTakeAll([full(0, 10, 1), full(0.5, 10, 2)])).toEqual({ granted: false, tokens: [0, 0.5], waitMs: 1000 });
    expect(tryTakeAll([full(0.5, 10, 2), full(7)])).toMatchObject({ granted: false, tokens: [0.5, 7] });
  });

  it('refills each bucket at its own rate and capacity first', () => {
    expect(tryTakeAll([full(0, 10, 1, 2), full(9, 10, 5, 2)])).toEqual({ granted: true, tokens: [1, 9], waitMs: 0 });
  });

  it('grants a request that counts against no bucket', () => {
    expect(tryTakeAll([])).toEqual({ granted: true, tokens: [], waitMs: 0 });
  });
});

describe('normaliseResource', () => {
  it.each([
    ['Users', 'Users'],
    ['/Users', 'Users'],
    ['Users/', 'Users'],
    ['Users?startIndex=1', 'Users'],
    ['Users/:id', 'Users/:id'],
    ['/Users/U0123ABC', 'Users/:id'],
    ['Groups', 'Groups'],
    ['Groups/S0AB12', 'Groups/:id'],
    ['Groups/S0AB12?excludedAttributes=members', 'Groups/:id'],
    ['ServiceProviderConfigs', 'ServiceProviderConfigs'],
    ['Users/U1/extra', 'Users/U1/extra'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseResource(input)).toBe(expected);
  });
});

describe('resolveSafety', () => {
  it('defaults to a reduced rate and burst', () => {
    expect(resolveSafety(undefined)).toEqual(DEFAULT_SAFETY);
    expect(DEFAULT_SAFETY.rate).toBeLessThan(1);
    expect(DEFAULT_SAFETY.burst).toBeLessThan(1);
  });

  it('takes one number for both, or each apart (the other defaulted)', () => {
    expect(resolveSafety(1)).toEqual({ rate: 1, burst: 1 });
    expect(resolveSafety({ rate: 0.5 })).toEqual({ rate: 0.5, burst: DEFAULT_SAFETY.burst });
    expect(resolveSafety({ burst: 0.25 })).toEqual({ rate: DEFAULT_SAFETY.rate, burst: 0.25 });
  });

  it.each([0, -0.1, 1.01, Number.NaN])('refuses %s', (v) => {
    expect(() => resolveSafety(v)).toThrow(RangeError);
    expect(() => resolveSafety({ rate: v })).toThrow(RangeError);
    expect(() => resolveSafety({ burst: v })).toThrow(RangeError);
  });
});

describe('bucketsFor', () => {
  const exact = { safety: 1 };
  const perSec = (r: RateLimitRule) => r.perMinute / 60;

  it.each([
    ['POST', 'Users', 'org write', 'POST Users'],
    ['PUT', 'Users/:id', 'org write', 'PATCH Users/:id'],
    ['PATCH', 'Users/:id', 'org write', 'PATCH Users/:id'],
    ['DELETE', 'Users/:id', 'org write', 'DELETE Users/:id'],
    ['GET', 'Users/:id', 'org read', 'GET Users/:id'],
    ['POST', 'Groups', 'org write', 'POST Groups'],
    ['PUT', 'Groups/:id', 'org write', 'PATCH Groups/:id'],
    ['PATCH', 'Groups/:id', 'org write', 'PATCH Groups/:id'],
    ['DELETE', 'Groups/:id', 'org write', 'DELETE Groups/:id'],
    ['GET', 'Groups/:id', 'org read', 'GET Groups/:id'],
  ])('%s %s counts against the %s set and the %s budget, with Slack\'s numbers', (method, resource, org, ep) => {
    const buckets = bucketsFor(SLACK_RATE_LIMITS, method, resource, exact);
    expect(buckets.map((b) => b.name)).toEqual([org, ep]);
    const orgRule = ORG_RATE_LIMITS[org === 'org write' ? 'write' : 'read'];
    expect(buckets[0]).toEqual({ name: org, capacity: orgRule.burst, ratePerSec: perSec(orgRule) });
    const rule = endpoint(`${method === 'PUT' ? 'PATCH' : method} ${resource}`);
    expect(buckets[1]).toEqual({ name: ep, capacity: rule.burst, ratePerSec: perSec(rule) });
    expect(bucketsFor(SLACK_RATE_LIMITS, method.toLowerCase(), resource, exact)).toEqual(buckets);
  });

  it('gives list endpoints only the org read set', () => {
    for (const resource of ['Users', 'Groups', '/Users?filter=x']) {
      expect(bucketsFor(SLACK_RATE_LIMITS, 'GET', resource, exact)).toEqual([{ name: 'org read', capacity: ORG_RATE_LIMITS.read.burst, ratePerSec: perSec(ORG_RATE_LIMITS.read) }]);
    }
  });

  it('gives unknown endpoints the org set of their method only', () => {
    expect(bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users/:id', exact).map((b) => b.name)).toEqual(['org write']);
    expect(bucketsFor(SLACK_RATE_LIMITS, 'GET', 'ServiceProviderConfigs', exact).map((b) => b.name)).toEqual(['org read']);
    expect(bucketsFor(SLACK_RATE_LIMITS, 'DELETE', 'Users', exact).map((b) => b.name)).toEqual(['org write']);
  });

  it('maps concrete ids to the endpoint budget, so they share it', () => {
    expect(bucketsFor(SLACK_RATE_LIMITS, 'PATCH', '/Users/U123', exact)).toEqual(bucketsFor(SLACK_RATE_LIMITS, 'PATCH', 'Users/:id', exact));
    expect(bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Groups/S1', exact)).toEqual(bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Groups/:id', exact));
  });

  it('scale multiplies rates and bursts', () => {
    const [org, ep] = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale: 10, safety: 1 });
    expect(org).toMatchObject({ capacity: ORG_RATE_LIMITS.write.burst * 10, ratePerSec: perSec(ORG_RATE_LIMITS.write) * 10 });
    expect(ep).toMatchObject({ capacity: endpoint('POST Users').burst * 10, ratePerSec: perSec(endpoint('POST Users')) * 10 });
  });

  it('safety reduces the rate and the burst apart', () => {
    const [, ep] = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale: 2, safety: { rate: 0.5, burst: 0.25 } });
    const rule = endpoint('POST Users');
    expect(ep!.capacity).toBeCloseTo(rule.burst * 2 * 0.25, 12);
    expect(ep!.ratePerSec).toBeCloseTo(perSec(rule) * 2 * 0.5, 12);
  });

  it('keeps at least one token of capacity at a tiny scale, like the emulator', () => {
    for (const b of bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale: 0.001 })) {
      expect(b.capacity).toBe(1);
      expect(b.ratePerSec).toBeGreaterThan(0);
    }
  });

  it('by default stays strictly under Slack for every endpoint', () => {
    for (const key of Object.keys(ENDPOINT_RATE_LIMITS)) {
      const [method, resource] = key.split(' ') as [string, string];
      const ours = bucketsFor(SLACK_RATE_LIMITS, method, resource);
      const slack = bucketsFor(SLACK_RATE_LIMITS, method, resource, exact);
      ours.forEach((b, i) => {
        expect(b.name).toBe(slack[i]!.name);
        expect(b.capacity).toBeLessThan(slack[i]!.capacity);
        expect(b.ratePerSec).toBeLessThan(slack[i]!.ratePerSec);
      });
    }
  });

  it('refuses a bad scale or safety', () => {
    expect(() => bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Users', { scale: 0 })).toThrow(RangeError);
    expect(() => bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Users', { scale: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => bucketsFor(SLACK_RATE_LIMITS, 'GET', 'Users', { safety: 2 })).toThrow(RangeError);
  });
});

describe('maxGrants', () => {
  it('is the burst plus the refill over the window', () => {
    expect(maxGrants({ capacity: 20, ratePerSec: 3 }, 10)).toBe(50);
    expect(maxGrants({ capacity: 20, ratePerSec: 3 }, -1)).toBe(20);
  });
});

/**
 * Bulk creates paced by the governor's buckets, each arriving at the emulator's limiter (fake clock)
 * after a random network delay. Returns the refusals and the share of what Slack allows over the run.
 */
function simulate(scale: number, n: number, jitterMs: number, safety?: number | { rate?: number; burst?: number }) {
  const rand = prng(scale * 7919 + n + jitterMs);
  const ours = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale, safety });
  const slack = bucketsFor(SLACK_RATE_LIMITS, 'POST', 'Users', { scale, safety: 1 });
  const tokens = ours.map((b) => b.capacity);
  let t = 0; // seconds
  let last = 0;
  const arrivals: number[] = [];
  while (arrivals.length < n) {
    const r = tryTakeAll(ours.map((b, i) => ({ tokens: tokens[i]!, capacity: b.capacity, ratePerSec: b.ratePerSec, elapsedSec: t - last })));
    r.tokens.forEach((v, i) => (tokens[i] = v));
    last = t;
    if (r.granted) arrivals.push(t + (rand() * jitterMs) / 1000);
    else t += r.waitMs / 1000 + rand() * 0.002;
  }
  arrivals.sort((a, b) => a - b);
  let now = 0;
  const limiter = new RateLimiter({ enabled: true, scale }, () => now);
  let refused = 0;
  for (const a of arrivals) {
    now = a * 1000;
    if (limiter.acquire('POST', 'Users') > 0) refused++;
  }
  const elapsed = arrivals[arrivals.length - 1]! - arrivals[0]!;
  return { refused, share: n / Math.min(...slack.map((b) => maxGrants(b, elapsed))) };
}

describe('default safety against the emulator limiter (simulated clock)', () => {
  it.each([
    [1, 300, 250],
    [10, 1000, 50],
    [10, 10_000, 50],
    [100, 30_000, 10],
  ])('scale %s, %s creates, up to %s ms of network jitter: no 429, ≥ 95%% of the allowed rate', (scale, n, jitterMs) => {
    const { refused, share } = simulate(scale, n, jitterMs);
    expect(refused).toBe(0);
    expect(share).toBeGreaterThanOrEqual(0.95);
  });

  it('without a margin the same jitter draws 429s; with half the burst the run is too slow', () => {
    expect(simulate(10, 10_000, 50, 1).refused).toBeGreaterThan(0);
    expect(simulate(1, 300, 250, 1).refused).toBeGreaterThan(0);
    expect(simulate(10, 1000, 50, { burst: 0.5 }).share).toBeLessThan(0.95);
  });
});
