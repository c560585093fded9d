import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScimError } from '../../targets/errors';
import { scimString } from '../../targets/scim-client';
import { slackClient } from '../../targets/slack/dialect';
import { SCHEMAS } from '../../targets/slack/facts';

/**
 * The client against a scripted loopback server: what it sends, and how it copes with answers
 * the emulator never gives (malformed bodies, no server at all).
 */

const TOKEN = 'xoxp-local-secret-token';
type Seen = { method?: string; url?: string; headers: IncomingMessage['headers']; body: string };
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let replies: Reply[] = [];

const user = (id: string, extra: Record<string, unknown> = {}) => ({ schemas: [SCHEMAS.user], id, userName: id.toLowerCase(), active: true, ...extra });
const page = (total: number, ids: string[]) => ({ schemas: [SCHEMAS.listResponse], totalResults: total, itemsPerPage: ids.length, startIndex: 1, Resources: ids.map((id) => user(id)) });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const reply = replies.shift() ?? { status: 500 };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen = [];
  replies = [];
});

const client = () => slackClient({ baseUrl, token: TOKEN });

describe('ScimClient requests', () => {
  it('sends bearer auth and JSON, and a PatchOp body', async () => {
    replies.push({ status: 200, body: user('U1') });
    await client().patchUser('U1', [{ op: 'replace', path: 'active', value: false }]);
    const [req] = seen;
    expect(req?.method).toBe('PATCH');
    expect(req?.url).toBe('/scim/v2/Users/U1');
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.accept).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ schemas: [SCHEMAS.patchOp], Operations: [{ op: 'replace', path: 'active', value: false }] });
  });

  it('quotes and escapes filter values', async () => {
    replies.push({ status: 200, body: page(0, []) });
    expect(await client().findUserByEmail('a"b\\c@example.test')).toBeNull();
    const url = new URL(seen[0]?.url ?? '', 'http://x');
    expect(url.searchParams.get('filter')).toBe('emails eq "a\\"b\\\\c@example.test"');
    expect(scimString('x"y')).toBe('"x\\"y"');
  });

  it('pages with a 1-based startIndex until totalResults', async () => {
    replies.push({ status: 200, body: page(5, ['U1', 'U2']) }, { status: 200, body: page(5, ['U3', 'U4']) }, { status: 200, body: page(5, ['U5']) });
    const ids: string[] = [];
    for await (const page of client().listUsers({ pageSize: 2, filter: 'userName eq "x"' })) ids.push(...page.map((u) => u.id));
    expect(ids).toEqual(['U1', 'U2', 'U3', 'U4', 'U5']);
    expect(seen.map((s) => new URL(s.url ?? '', 'http://x').searchParams.get('startIndex'))).toEqual(['1', '3', '5']);
    expect(seen.every((s) => new URL(s.url ?? '', 'http://x').searchParams.get('filter') === 'userName eq "x"')).toBe(true);
  });

  it('stops on an empty page even if totalResults says more', async () => {
    replies.push({ status: 200, body: page(9, ['U1']) }, { status: 200, body: { totalResults: 9 } });
    const ids: string[] = [];
    for await (const page of client().listUsers({ pageSize: 1 })) ids.push(...page.map((u) => u.id));
    expect(ids).toEqual(['U1']);
    expect(seen).toHaveLength(2);
  });

  it('reads a user back when a write answers without a body', async () => {
    replies.push({ status: 204 }, { status: 200, body: user('U1') });
    expect((await client().replaceUser('U1', { schemas: [SCHEMAS.user], userName: 'u1', emails: [{ value: 'u1@example.test' }] })).id).toBe('U1');
    expect(seen.map((s) => s.method)).toEqual(['PUT', 'GET']);
  });

  it('leaves externalId and password out of a PUT', async () => {
    replies.push({ status: 200, body: user('U1') });
    await client().replaceUser('U1', { schemas: [SCHEMAS.user], externalId: 'dir-1', password: 'pw', userName: 'u1', emails: [{ value: 'u1@example.test' }] });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ schemas: [SCHEMAS.user], userName: 'u1', emails: [{ value: 'u1@example.test' }] });
  });

  it('accepts nulls where Slack leaves fields unset', async () => {
    replies.push({
      status: 200,
      body: user('U1', { name: { givenName: null, familyName: null }, title: null, addresses: [{ streetAddress: null, locality: null }], photos: null, meta: { created: null, location: null } }),
    });
    const u = await client().getUser('U1');
    expect(u?.photos).toEqual([]);
    expect(u?.addresses[0]?.locality).toBeNull();
  });
});

describe('ScimClient failures', () => {
  it('a body that does not match the schema is permanent invalid_response', async () => {
    replies.push({ status: 200, body: { id: 'U1', userName: 'ada@example.test', active: 'yes' } });
    const error = await client().getUser('U1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({ kind: 'permanent', code: 'invalid_response', status: 200 });
    expect((error as Error).message).toContain('active');
    expect((error as Error).message).not.toContain('ada@example.test');
  });

  it('a non-JSON success body is invalid_response', async () => {
    replies.push({ status: 200, body: '<html>hello</html>' });
    await expect(client().verify()).rejects.toMatchObject({ kind: 'permanent', code: 'invalid_response' });
  });

  it('no server is a retryable network error', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const error = await slackClient({ baseUrl: `http://127.0.0.1:${port}/scim/v2`, token: TOKEN }).verify().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ScimError', kind: 'retryable', code: 'network_error' });
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('a slow answer is a retryable timeout', async () => {
    const slow = createServer((_req, res) => setTimeout(() => res.end('{}'), 500));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as AddressInfo).port;
    try {
      const c = slackClient({ baseUrl: `http://127.0.0.1:${port}/scim/v2`, token: TOKEN, timeoutMs: 50 });
      await expect(c.verify()).rejects.toMatchObject({ kind: 'retryable', code: 'timeout' });
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('getUser returns null only for no_such_user; other 404s throw', async () => {
    replies.push({ status: 404, body: { detail: 'no_such_user', status: 404 } }, { status: 404, body: { detail: 'bad_endpoint', status: 404 } });
    expect(await client().getUser('U404')).toBeNull();
    await expect(client().getUser('U404')).rejects.toMatchObject({ kind: 'permanent', code: 'bad_endpoint' });
  });

  it('names the route in messages, not the filter value', async () => {
    replies.push({ status: 400, body: { detail: 'invalid_filter', status: 400 } });
    const error = (await client().findUserByEmail('ada@example.test').catch((e: unknown) => e)) as ScimError;
    expect(error.message).toMatch(/^GET \/Users: permanent invalid_filter \(HTTP 400\)/);
    expect(error.message).not.toContain('ada@example.test');
  });
});
