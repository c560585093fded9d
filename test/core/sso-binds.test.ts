import { describe, expect, it } from 'vitest';
import { BIND_WINDOW_HOURS, BIND_WINDOW_MS, bindNext, lookAt, parseBindNext } from '../../core/sso-binds';
import { safeNext } from '../../core/portal-access';

describe('the bind window', () => {
  it('is the seed’s 72 hours', () => {
    expect(BIND_WINDOW_HOURS).toBe(72);
    expect(BIND_WINDOW_MS).toBe(72 * 3_600_000);
  });

  it('is what the workflow makes of each row: send, wait until the deadline, or end', () => {
    const deadline = new Date('2026-12-04T09:30:00Z');
    expect(lookAt(undefined)).toBeUndefined();
    expect(lookAt({ state: 'pending', round: 1, sentAt: null, deadline })).toEqual({ status: 'send', round: 1 });
    expect(lookAt({ state: 'pending', round: 3, sentAt: new Date(), deadline })).toEqual({ status: 'waiting', round: 3, deadline: deadline.getTime() });
    expect(lookAt({ state: 'bound', round: 2, sentAt: new Date(), deadline })).toEqual({ status: 'bound' });
    expect(lookAt({ state: 'expired', round: 2, sentAt: new Date(), deadline })).toEqual({ status: 'expired', round: 2 });
  });
});

describe('where a bind email’s link leads', () => {
  it('names the connector and round, and reads back', () => {
    for (const [id, round] of [['con_abc', 1], ['con/with?odd#chars', 12], ['x', 999_999_999]] as const) {
      const next = bindNext(id, round);
      expect(safeNext(next)).toBe(next); // the portal may go there after sign-in
      expect(parseBindNext(next)).toEqual({ connectorId: id, round });
    }
  });

  it.each([null, undefined, '', '/portal', '/portal/bind/con_1', '/portal/bind/con_1/0', '/portal/bind/con_1/01', '/portal/bind/con_1/1/x', '/portal/bind/con_1/1?x', '/portal/bind//1', '/portal/bind/%E0%A4%A/1', '/portal/bind/con_1/1234567890'])('is not read from %j', (next) => {
    expect(parseBindNext(next)).toBeUndefined();
  });
});
