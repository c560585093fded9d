import { describe, expect, it } from 'vitest';
import { createLogger, scrub, scrubText, temporalLogger } from '../../observability/log';

/** A logger writing into an array of parsed JSON lines. */
function capture(level = 'INFO') {
  const lines: Array<Record<string, any>> = [];
  const raw: string[] = [];
  const logger = createLogger({ service: 'test', level, destination: { write: (s: string) => void (raw.push(s), lines.push(JSON.parse(s))) } });
  return { logger, lines, raw };
}

describe('structured logs', () => {
  it('are one JSON object per line with level, time, service and message', () => {
    const { logger, lines, raw } = capture();
    logger.info({ workflowId: 'user-sync/con_1/usr_1', count: 3 }, 'synced');
    expect(raw[0]).toMatch(/^\{.*\}\n$/);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'test', msg: 'synced', workflowId: 'user-sync/con_1/usr_1', count: 3 });
    expect(new Date(lines[0]!.time).getTime()).toBeGreaterThan(0);
  });

  it('redact authorization headers, tokens, keys, passwords, emails and names at any depth', () => {
    const { logger, raw, lines } = capture();
    logger.info(
      {
        authorization: 'Bearer live-key',
        req: { headers: { Authorization: 'Bearer header-key', 'x-request-id': 'r1', cookie: 'sid=1' } },
        user: { id: 'usr_1', email: 'ada@example.com', firstName: 'Ada', last_name: 'Lovelace', userName: 'ada', phoneNumbers: ['+44 1'] },
        scimToken: 'xoxp-1-2-3',
        'api-key': 'k',
        secretKey: 'c2VjcmV0',
        password: 'hunter2',
      },
      'request',
    );
    const text = raw.join('');
    for (const secret of ['live-key', 'header-key', 'sid=1', 'ada@example.com', 'Ada', 'Lovelace', '"ada"', '+44', 'xoxp-1-2-3', 'c2VjcmV0', 'hunter2']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ authorization: '[redacted]', req: { headers: { Authorization: '[redacted]', 'x-request-id': 'r1' } }, user: { id: 'usr_1', email: '[redacted]' }, password: '[redacted]' });
  });

  it('mask emails, Slack tokens, bearer credentials and URL passwords inside any text, messages included', () => {
    const { logger, raw, lines } = capture();
    logger.warn({ detail: 'Key (email)=(grace@navy.example.org) already exists' }, 'POST failed for grace@navy.example.org with xoxb-123-abc, Authorization: Bearer abc.def, via postgres://bindery:s3cret@db:5432/bindery');
    const text = raw.join('');
    for (const secret of ['grace@', 'navy.example', 'xoxb-123', 'abc.def', 's3cret']) expect(text).not.toContain(secret);
    expect(lines[0]!.msg).toBe('POST failed for [email] with [slack-token], Authorization: Bearer [redacted], via postgres://[credentials]@db:5432/bindery');
    expect(lines[0]!.detail).toBe('Key (email)=([email]) already exists');
  });

  it('log errors with their type, scrubbed message and stack, code and cause', () => {
    const { logger, raw, lines } = capture();
    const err = Object.assign(new Error('duplicate key value: (email)=(ada@example.com)', { cause: new Error('token xoxp-9-9') }), { code: '23505' });
    logger.error(err, 'insert failed');
    logger.error({ err, connectorId: 'con_1' }, 'again');
    expect(raw.join('')).not.toMatch(/ada@example\.com|xoxp-9-9/);
    for (const line of lines) {
      expect(line.err).toMatchObject({ type: 'Error', message: 'duplicate key value: (email)=([email])', code: '23505', cause: { message: 'token [slack-token]' } });
      expect(line.err.stack).toMatch(/^Error: duplicate key value: \(email\)=\(\[email\]\)\n\s+at /);
    }
    expect(lines[1]).toMatchObject({ connectorId: 'con_1', msg: 'again' });
  });

  it('keep IDs, numbers and booleans; survive cycles, bytes and deep nesting', () => {
    const cyclic: Record<string, unknown> = { id: 'usr_1' };
    cyclic.self = cyclic;
    expect(scrub({ cyclic, bytes: new Uint8Array(3), n: 1, ok: true, big: 10n })).toEqual({ cyclic: { id: 'usr_1', self: '[circular]' }, bytes: '[3 bytes]', n: 1, ok: true, big: '10' });
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 20; i++) deep = { deep };
    expect(JSON.stringify(scrub(deep))).toContain('[nested]');
    expect(scrubText('con_1/usr_2 user-sync/con_1/usr_2')).toBe('con_1/usr_2 user-sync/con_1/usr_2');
  });

  it('leave out what is below the level', () => {
    const { logger, lines } = capture('WARN');
    logger.info('not written');
    logger.warn('written');
    expect(lines.map((l) => l.msg)).toEqual(['written']);
  });
});

describe('the Temporal SDK logger bridged to pino', () => {
  it('writes the SDK’s lines with their workflow and activity IDs as fields, at their level', () => {
    const { logger, lines } = capture('INFO');
    const sdk = temporalLogger(logger);
    sdk.info('Activity completed', { workflowId: 'user-sync/con_1/usr_1', activityId: '1', activityType: 'reconcileUser', [Symbol('ts')]: 1n });
    sdk.debug('too detailed');
    sdk.warn('Activity failed', { workflowId: 'w', error: new Error('for bob@example.com') });
    sdk.log('ERROR', 'broken');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['info', 'Activity completed'], ['warn', 'Activity failed'], ['error', 'broken']]);
    expect(lines[0]).toMatchObject({ workflowId: 'user-sync/con_1/usr_1', activityId: '1', activityType: 'reconcileUser' });
    expect(lines[1]!.error.message).toBe('for [email]');
  });
});
