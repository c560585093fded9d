import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENDPOINT_RATE_LIMITS, ORG_RATE_LIMITS, SCHEMAS } from '../../targets/slack/facts';
import { RateLimiter } from '../../emulator/rate-limit';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { Client, type Res, TOKEN, expectSlackError, startTestEmulator, userBody } from './helpers';

describe('RateLimiter (fake clock)', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 0));

  it('allows the endpoint burst, then asks to wait for the refill', () => {
    const limiter = new RateLimiter({ enabled: true }, clock);
    const { burst, perMinute } = ENDPOINT_RATE_LIMITS['POST Users'];
    for (let i = 0; i < burst; i++) expect(limiter.acquire('POST', 'Users')).toBe(0);
    const retryAfter = limiter.acquire('POST', 'Users');
    expect(retryAfter).toBe(Math.ceil(60 / perMinute));
    now += retryAfter * 1000;
    expect(limiter.acquire('POST', 'Users')).toBe(0);
  });

  it('PUT and PATCH share one budget; other endpoints have their own', () => {
    const limiter = new RateLimiter({ enabled: true }, clock);
    const { burst } = ENDPOINT_RATE_LIMITS['PATCH Users/:id'];
    for (let i = 0; i < burst; i++) expect(limiter.acquire(i % 2 ? 'PUT' : 'PATCH', 'Users/:id')).toBe(0);
    expect(limiter.acquire('PUT', 'Users/:id')).toBeGreaterThan(0);
    expect(limiter.acquire('DELETE', 'Users/:id')).toBe(0);
    expect(limiter.acquire('GET', 'Users/:id')).toBe(0);
  });

  it('applies the org-wide read set to lists, on top of per-endpoint budgets', () => {
    const limiter = new RateLimiter({ enabled: true }, clock);
    for (let i = 0; i < ORG_RATE_LIMITS.read.burst; i++) expect(limiter.acquire('GET', 'Users')).toBe(0);
    expect(limiter.acquire('GET', 'Users')).toBeGreaterThan(0);
    expect(limiter.acquire('GET', 'Users/:id')).toBeGreaterThan(0); // same org read set
  });

  it('applies the org-wide write set across endpoints', () => {
    const limiter = new RateLimiter({ enabled: true }, clock);
    // 15 writes/s over six endpoints: each endpoint gets 2.5/s (below its 3/s), the org set 15/s (above its 10/s).
    const endpoints = [['POST', 'Users'], ['PATCH', 'Users/:id'], ['DELETE', 'Users/:id'], ['POST', 'Groups'], ['PATCH', 'Groups/:id'], ['DELETE', 'Groups/:id']] as const;
    let firstRefusal = -1;
    for (let i = 0; i < 1000 && firstRefusal < 0; i++) {
      const [method, resource] = endpoints[i % endpoints.length]!;
      if (limiter.acquire(method, resource) > 0) firstRefusal = i;
      now += 1000 / 15;
    }
    // The org bucket holds 180 - i/3 tokens after i requests: it runs dry around request 537.
    expect(firstRefusal).toBeGreaterThan(530);
    expect(firstRefusal).toBeLessThan(545);
  });

  it('scale multiplies bursts and rates; disabled never limits', () => {
    const limiter = new RateLimiter({ enabled: true, scale: 0.5 }, clock);
    const burst = ENDPOINT_RATE_LIMITS['POST Users'].burst * 0.5;
    for (let i = 0; i < burst; i++) expect(limiter.acquire('POST', 'Users')).toBe(0);
    expect(limiter.acquire('POST', 'Users')).toBeGreaterThan(0);
    const off = new RateLimiter({ enabled: false }, clock);
    for (let i = 0; i < 1000; i++) expect(off.acquire('POST', 'Users')).toBe(0);
  });
});

describe('rate limits over HTTP', () => {
  let emu: RunningEmulator;
  let client: Client;

  beforeAll(async () => ({ emu, client } = await startTestEmulator({ enabled: true, scale: 0.1 })));
  afterAll(() => emu.close());
  beforeEach(async () => {
    await client.reset();
    await client.control('POST', '/rate-limits', { enabled: true, scale: 0.1 });
  });

  it('answers 429 too_many_requests with an integer Retry-After once the burst is spent', async () => {
    const burst = ENDPOINT_RATE_LIMITS['POST Users'].burst * 0.1;
    for (let i = 0; i < burst; i++) expect((await client.scim('POST', '/Users', userBody())).status).toBe(201);
    const res = await client.scim('POST', '/Users', userBody());
    expectSlackError(res, 'too_many_requests');
    const retryAfter = res.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Reads have their own budget.
    expect((await client.scim('GET', '/Users')).status).toBe(200);
  });

  it('PUT and PATCH on users share a budget', async () => {
    const u = await client.createUser();
    const put = () => client.scim('PUT', `/Users/${u.id}`, { schemas: [SCHEMAS.user], userName: u.userName, emails: u.emails });
    const patch = () => client.scim('PATCH', `/Users/${u.id}`, { schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'title', value: 't' }] });
    const statuses: number[] = [];
    for (const call of [put, patch, put]) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('with limits off, no request is limited', async () => {
    await client.control('POST', '/rate-limits', { enabled: false });
    const results: Res[] = await Promise.all(Array.from({ length: 40 }, () => client.scim('POST', '/Users', userBody())));
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(201));
  });

  it('reset keeps the rate-limit setting but refills the buckets', async () => {
    await client.createUser();
    await client.createUser();
    expect((await client.scim('POST', '/Users', userBody())).status).toBe(429);
    await client.reset();
    await client.createUser();
    await client.createUser();
    expect((await client.scim('POST', '/Users', userBody())).status).toBe(429);
  });

  it('rejects a bad rate-limits body', async () => {
    const res = await client.control('POST', '/rate-limits', { enabled: 'yes', scale: -1 });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/enabled/);
  });
});

describe('startEmulator rate-limit option', () => {
  it('defaults to Slack\'s limits at scale 1', async () => {
    const emu = await startEmulator({ port: 0, token: TOKEN });
    const client = new Client(emu);
    try {
      const { burst } = ENDPOINT_RATE_LIMITS['POST Users'];
      const results = await Promise.all(Array.from({ length: burst + 1 }, () => client.scim('POST', '/Users', userBody())));
      expect(results.filter((r) => r.status === 201)).toHaveLength(burst);
      expect(results.filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });
});
