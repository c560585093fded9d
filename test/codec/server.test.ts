import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAccess, parseOrigins } from '../../codec/access';
import { EncryptionCodec } from '../../codec/codec';
import { generateCodecKey, parseCodecKeys } from '../../codec/keys';
import { payloadsFromJson, payloadsToJson } from '../../codec/payloads-json';
import { type RunningCodecServer, startCodecServer } from '../../codec/server';

// The codec server over real HTTP, as the Temporal Web UI (a browser on an allowed origin) and the
// Temporal CLI (--codec-auth) call it.
const TOKEN = 'admin-api-key-for-codec-tests';
const UI = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(parseCodecKeys(generateCodecKey('k1')));
let server: RunningCodecServer;

beforeAll(async () => {
  server = await startCodecServer({ codec, tokens: [TOKEN], allowOrigins: [UI], namespace: 'default', host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

const encrypted = async (value: unknown) => payloadsToJson(await codec.encode([defaultPayloadConverter.toPayload(value)]));
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const decodedValues = async (res: Response) => payloadsFromJson(await res.json()).map((p) => defaultPayloadConverter.fromPayload(p));

describe('POST …/decode', () => {
  it('decodes for the admin API key, as the Temporal CLI sends it', async () => {
    const res = await post('/decode', await encrypted({ userId: 'usr_1' }), { authorization: `Bearer ${TOKEN}`, 'x-namespace': 'default' });
    expect(res.status).toBe(200);
    expect(await decodedValues(res)).toEqual([{ userId: 'usr_1' }]);
  });

  it('decodes for a browser on an allowed Web UI origin, with the CORS headers the UI needs', async () => {
    const res = await post('/decode', await encrypted('hello'), { origin: UI, 'x-namespace': 'default' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(await decodedValues(res)).toEqual(['hello']);
  });

  it('is served under any prefix (the endpoint may be mounted deeper, e.g. per namespace)', async () => {
    const res = await post('/default/decode', await encrypted(1), { authorization: `Bearer ${TOKEN}` });
    expect(await decodedValues(res)).toEqual([1]);
    expect((await post('/default/other', {}, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
  });

  it.each([
    ['no credentials at all', {}, 401, /Send the admin API key/],
    ['a wrong bearer token', { authorization: 'Bearer not-the-key' }, 401, /not one this codec server accepts/],
    ['another web page', { origin: 'https://evil.example' }, 403, /BINDERY_CODEC_ALLOW_ORIGINS/],
    ['an allowed origin with a wrong token', { origin: UI, authorization: 'Bearer nope' }, 401, /not one this codec server accepts/],
    ['another namespace', { authorization: `Bearer ${TOKEN}`, 'x-namespace': 'other' }, 403, /serves the namespace "default" only/],
  ])('refuses %s, decoding nothing', async (_who, headers, status, detail) => {
    const res = await post('/decode', await encrypted({ userId: 'usr_secret' }), headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = await res.text();
    expect(JSON.parse(body).detail).toMatch(detail);
    expect(body).not.toContain('usr_secret');
    if ((headers as { origin?: string }).origin !== UI) expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 400 with the reason for a tampered payload, and for a malformed body', async () => {
    const json = await encrypted('x');
    const data = Buffer.from(json.payloads[0]!.data!, 'base64');
    data[20]! ^= 1;
    json.payloads[0]!.data = data.toString('base64');
    const tampered = await post('/decode', json, { authorization: `Bearer ${TOKEN}` });
    expect(tampered.status).toBe(400);
    expect((await tampered.json()).detail).toMatch(/fails authentication/);
    const malformed = await post('/decode', { payloads: [{ data: 'not base64 !' }] }, { authorization: `Bearer ${TOKEN}` });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).detail).toMatch(/payloads\.0\.data: must be base64/);
  });

  it('passes unencrypted payloads through', async () => {
    const plain = payloadsToJson([defaultPayloadConverter.toPayload({ a: 1 })]);
    expect(await decodedValues(await post('/decode', plain, { authorization: `Bearer ${TOKEN}` }))).toEqual([{ a: 1 }]);
  });
});

describe('POST …/encode', () => {
  it('encrypts what the UI sends (e.g. a signal input), and decode gives it back', async () => {
    const plain = payloadsToJson([defaultPayloadConverter.toPayload({ connectorId: 'con_1' })]);
    const encoded = await (await post('/encode', plain, { authorization: `Bearer ${TOKEN}` })).json();
    expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(await decodedValues(await post('/decode', encoded, { origin: UI }))).toEqual([{ connectorId: 'con_1' }]);
  });

  it('refuses callers without access', async () => {
    expect((await post('/encode', { payloads: [] })).status).toBe(401);
  });
});

describe('CORS preflight', () => {
  const preflight = (origin: string, path = '/decode') =>
    fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });

  it('allows the Web UI origin to POST with the headers it sends', async () => {
    const res = await preflight(UI);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const allowed = res.headers.get('access-control-allow-headers')!.split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('gives another origin no CORS headers', async () => {
    const res = await preflight('https://evil.example');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('access rules', () => {
  it('reads allowed origins strictly', () => {
    expect(parseOrigins(' http://127.0.0.1:8233, https://ui.example.com/ ')).toEqual(['http://127.0.0.1:8233', 'https://ui.example.com']);
    expect(parseOrigins(undefined)).toEqual([]);
    expect(() => parseOrigins('https://ui.example.com/path')).toThrow(/is not an origin/);
    expect(() => parseOrigins('ui.example.com')).toThrow(/BINDERY_CODEC_ALLOW_ORIGINS: "ui.example.com" is not an origin/);
  });

  it('never lets an empty token in', () => {
    expect(decideAccess({ tokens: [''], allowOrigins: [] }, { authorization: 'Bearer ' })).toMatchObject({ allowed: false, status: 401 });
    expect(decideAccess({ tokens: [TOKEN], allowOrigins: [] }, { authorization: `bearer ${TOKEN}` })).toMatchObject({ allowed: true });
  });
});
