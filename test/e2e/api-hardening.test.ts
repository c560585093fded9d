import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app';
import type { Db } from '../../db/client';
import { type Harness, startHarness } from '../support/harness';
import { freePort } from '../../tools/ports';

// What fuzzing, fault injection and a fresh user's first requests found: strict input everywhere, every
// failure logged and traceable, every answer documented.
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ worker: false, dispatcher: false });
});
afterAll(() => h?.stop());

describe('strict request bodies', () => {
  it('refuses unknown fields on POST, PUT and PATCH, naming them and the field meant', async () => {
    const user = await h.call('POST', '/v1/users', { username: 'strict1', email: 'strict1@example.com', firstname: 'Ada' });
    expect(user.status).toBe(400);
    expect(user.body.detail).toBe('body: firstname: unknown field (did you mean "firstName"?)');
    expect((await h.call('GET', '/v1/users?limit=500')).body.items.map((u: { username: string }) => u.username)).not.toContain('strict1');

    const connector = await h.call('POST', '/v1/connectors', { label: 'X', teamName: 'x', teamDomain: 'x.slack.com', scimUrl: h.emulator.baseUrl, token: h.slackToken });
    expect(connector.status).toBe(400);
    expect(connector.body.issues).toEqual(
      expect.arrayContaining([
        { field: 'scimUrl', message: 'unknown field (did you mean "scimBaseUrl"?)' },
        { field: 'token', message: 'unknown field (did you mean "scimToken"?)' },
      ]),
    );
    const scim = await h.call('POST', '/v1/connectors', { kind: 'scim', label: 'S', teamName: 'nope' });
    expect(scim.body.detail).toBe('body: teamName: unknown field');

    const g = (await h.ok('POST', '/v1/groups', { name: 'Strict' })).id;
    expect((await h.call('PATCH', `/v1/groups/${g}`, { name: 'S2', nmae: 'x' })).body.detail).toBe('body: nmae: unknown field (did you mean "name"?)');
    const c = (await h.ok('POST', '/v1/connectors', { label: 'B', teamName: 'b', teamDomain: 'b.slack.com' })).id;
    expect((await h.call('PUT', `/v1/connectors/${c}/groups/${g}`, { overide: 'x' })).body.detail).toBe('body: overide: unknown field (did you mean "override"?)');
    const nested = await h.call('POST', '/v1/users', { username: 'strict2', email: 'strict2@example.com', addresses: [{ city: 'London' }] });
    expect(nested.body.detail).toBe('body: addresses.0.city: unknown field (did you mean "locality"?)');
  });

  it('uses camelCase for every field', async () => {
    const u = await h.ok('POST', '/v1/users', { username: 'camel', email: 'camel@example.com', firstName: 'A', middleName: 'B', lastName: 'C', displayName: 'D', employeeIdentifier: 'E', jobTitle: 'F' });
    expect(u).toMatchObject({ firstName: 'A', middleName: 'B', lastName: 'C', displayName: 'D', employeeIdentifier: 'E', jobTitle: 'F' });
    const keys = (value: unknown): string[] => (Array.isArray(value) ? value.flatMap(keys) : value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]) : []);
    for (const key of keys(u)) expect(key, key).toMatch(/^[a-z][A-Za-z0-9]*$/);
  });

  it('accepts an empty body sent as JSON where none is needed (curl habits)', async () => {
    const u = (await h.ok('POST', '/v1/users', { username: 'emptybody', email: 'emptybody@example.com' })).id;
    const g = (await h.ok('POST', '/v1/groups', { name: 'Empty body' })).id;
    const res = await fetch(`${h.apiUrl}/v1/groups/${g}/members/${u}`, { method: 'PUT', headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ groupId: g, userId: u, added: true });
  });

  it('stores a user Slack can never accept, and warns naming the rule and the connectors', async () => {
    const c = (await h.ok('POST', '/v1/connectors', { label: 'Warn', teamName: 'w', teamDomain: 'warn.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
    const res = await h.call('POST', '/v1/users', { username: 'a.username.with.22chr', email: 'long@example.com' });
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([expect.objectContaining({ code: 'username_too_long', connectorIds: expect.arrayContaining([c]), message: expect.stringMatching(/fewer than 21.*connector.*con_/) })]);
    expect((await h.call('POST', '/v1/users', { username: 'fine', email: 'fine@example.com' })).body.warnings).toBeUndefined();
  });
});

describe('NUL and control characters', () => {
  it('answers 400 naming the field for NUL anywhere: body, query, path', async () => {
    const body = await h.call('POST', '/v1/groups', { name: 'g\u0000b' });
    expect(body.status).toBe(400);
    expect(body.body.detail).toBe('body: name: must not contain the NUL character (U+0000)');
    const query = await h.call('GET', '/v1/users?after=a%00b');
    expect(query.status).toBe(400);
    expect(query.body.detail).toBe('query: after: must not contain the NUL character (U+0000)');
    const path = await h.call('GET', '/v1/users/usr%00x');
    expect(path.status).toBe(400);
    expect(path.body.detail).toBe('path: id: must not contain the NUL character (U+0000)');
    const key = await h.call('POST', '/v1/users', { username: 'nul', email: 'nul@example.com', 'first\u0000Name': 'x' });
    expect(key.status).toBe(400);
  });

  it('answers 400 for NUL on every route of the OpenAPI document, never 500', async () => {
    const doc = (await h.ok('GET', '/openapi.json')) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      for (const method of Object.keys(ops)) {
        const res = await h.call(method.toUpperCase(), path.replace(/\{\w+\}/g, 'x%00y'));
        expect(res.status, `${method} ${path}`).toBe(400);
      }
    }
  });

  it('refuses control characters and bidirectional overrides in names', async () => {
    for (const [path, body] of [
      ['/v1/users', { username: 'ctl\u0007\u001b[31m', email: 'ctl@example.com' }],
      ['/v1/users', { username: 'bidi', email: 'bidi@example.com', firstName: 'abc\u202edef' }],
      ['/v1/groups', { name: '\u001b[2J' }],
      ['/v1/connectors', { label: 'L\u0000', teamName: 't', teamDomain: 'd' }],
    ] as const) {
      const res = await h.call('POST', path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('authentication', () => {
  it('takes the Bearer scheme in any case (RFC 7235)', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await fetch(`${h.apiUrl}/v1/users?limit=1`, { headers: { authorization: `${scheme} ${h.apiKey}` } });
      expect(res.status, scheme).toBe(200);
    }
    expect((await fetch(`${h.apiUrl}/v1/users`, { headers: { authorization: `Basic ${h.apiKey}` } })).status).toBe(401);
  });
});

describe('a target that cannot be reached', () => {
  it('is 502 saying so, distinct from a refused token (422), and nothing is stored', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/scim/v2`;
    const unreachable = await h.call('POST', '/v1/connectors', { label: 'Down', teamName: 'd', teamDomain: 'down.slack.com', scimBaseUrl: closed, scimToken: 'xoxp-1' });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body).toMatchObject({ title: 'Target unreachable', errorCode: 'network_error' });
    expect(unreachable.body.detail).toMatch(/^Nothing was stored: Slack could not be reached at .* \(network_error: .*ECONNREFUSED/);
    expect(unreachable.body.detail).not.toMatch(/retried/);
    const refused = await h.call('POST', '/v1/connectors', { label: 'Wrong', teamName: 'w', teamDomain: 'wrong.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: 'xoxp-wrong' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ title: 'SCIM token rejected', errorCode: 'invalid_authentication' });
    expect((await h.ok('GET', '/v1/connectors')).items.map((c: { label: string }) => c.label)).not.toContain('Down');
  });
});

describe('a 500 leaves a trace', () => {
  it('is logged as structured JSON with the request ID the reply carries, and no personal data', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    // A database that fails the way a broken one does, with a message quoting the row (personal data).
    const failing = new Proxy({}, { get: () => () => Promise.reject(Object.assign(new Error('duplicate row (ada@example.com, Ada Lovelace)'), { code: 'XX000' })) }) as unknown as Db;
    const api = buildApi({ db: failing, secretKey: Buffer.alloc(32), apiKey: 'k', temporal: {} as Client, taskQueue: 'q', logger: pino({ level: 'info' }, sink) as never });
    const res = await api.inject({ method: 'POST', url: '/v1/users', headers: { authorization: 'Bearer k' }, payload: { username: 'ada', email: 'ada@example.com', lastName: 'Lovelace' } });
    await api.close();
    expect(res.statusCode).toBe(500);
    const body = res.json<{ requestId: string; detail: string }>();
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).toBe(body.requestId);
    expect(body.detail).toContain(body.requestId);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === body.requestId);
    expect(logged).toEqual([expect.objectContaining({ level: 50, msg: 'request failed', method: 'POST', route: '/v1/users', code: 'XX000' })]);
    expect(lines.join('\n')).not.toMatch(/ada@example\.com|Lovelace|duplicate row/);
  });
});

describe('the OpenAPI document describes every answer', () => {
  type Op = { responses: Record<string, { content?: Record<string, { schema?: unknown }>; description?: string }> };
  it('documents 400, 401 and 500 as problem+json on every protected route, and each route’s own statuses', async () => {
    const doc = (await h.ok('GET', '/openapi.json')) as { paths: Record<string, Record<string, Op>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        if (path === '/openapi.json') continue;
        expect(codes, `${method} ${path}`).toContain('500');
        if (path === '/healthz') continue;
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401']));
        for (const code of codes.filter((c) => Number(c) >= 400)) expect(op.responses[code]!.content, `${method} ${path} ${code}`).toBeDefined();
        if (['post', 'put', 'patch'].includes(method) && (op as { requestBody?: unknown }).requestBody) expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
        if (method === 'delete' && path !== '/v1/connectors/{id}') expect(codes, `${method} ${path}`).toContain('204');
      }
    }
    expect(Object.keys(doc.paths['/v1/users']!.post!.responses)).toEqual(expect.arrayContaining(['201', '409']));
    expect(Object.keys(doc.paths['/v1/connectors/{id}/idm/activate']!.post!.responses)).toEqual(expect.arrayContaining(['200', '404', '409', '422', '502']));
    const createUser = doc.paths['/v1/users']!.post! as Op & { requestBody: { content: Record<string, { schema: { additionalProperties?: boolean } }> } };
    expect(createUser.requestBody.content['application/json']!.schema.additionalProperties).toBe(false);
  });
});
