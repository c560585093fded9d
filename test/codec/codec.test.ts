import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, ENCRYPTED_ENCODING, isEncrypted, KEY_ID_METADATA, PayloadDecryptionError } from '../../codec/codec';
import { generateCodecKey, parseCodecKeys, resolveCodecKeys } from '../../codec/keys';

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');
const keyA = generateCodecKey('a');
const keyB = generateCodecKey('b');
const codecOf = (keys: string) => new EncryptionCodec(parseCodecKeys(keys));
const encodeOne = async (codec: EncryptionCodec, value: unknown) => (await codec.encode([defaultPayloadConverter.toPayload(value)]))[0]!;
const decodeOne = async (codec: EncryptionCodec, payload: Payload) => defaultPayloadConverter.fromPayload((await codec.decode([payload]))[0]!);

/** A copy of the payload with one byte of its data flipped at `index` (negative: from the end). */
function flipped(p: Payload, index: number): Payload {
  const data = Buffer.from(p.data!);
  data[index < 0 ? data.length + index : index]! ^= 0x01;
  return { metadata: p.metadata, data };
}

describe('EncryptionCodec', () => {
  const values: Array<[string, unknown]> = [
    ['an object of IDs', { connectorId: 'con_1', userId: 'usr_2', attempt: 3 }],
    ['a string with non-ASCII text', 'Zoë ✓ 名前'],
    ['undefined (binary/null)', undefined],
    ['null', null],
    ['bytes (binary/plain)', new Uint8Array([0, 1, 2, 255])],
    ['an empty array', []],
    ['a large array', Array.from({ length: 5000 }, (_, i) => `usr_${i}`)],
  ];

  it.each(values)('round-trips %s through encode and decode', async (_what, value) => {
    const codec = codecOf(keyA);
    const encoded = await encodeOne(codec, value);
    expect(isEncrypted(encoded)).toBe(true);
    expect(await decodeOne(codec, encoded)).toEqual(value);
  });

  it('gives back exactly the original payload, metadata included', async () => {
    const codec = codecOf(keyA);
    const original: Payload = { metadata: { encoding: Buffer.from('json/plain'), 'custom-key': Buffer.from('custom value') }, data: Buffer.from('{"a":1}') };
    const [decoded] = await codec.decode(await codec.encode([original]));
    expect(text(decoded!.metadata!.encoding)).toBe('json/plain');
    expect(text(decoded!.metadata!['custom-key'])).toBe('custom value');
    expect(text(decoded!.data)).toBe('{"a":1}');
  });

  it('leaves nothing readable: not the data, not the original encoding; the key ID and cipher are named', async () => {
    const encoded = await encodeOne(codecOf(keyA), { email: 'ada@example.com', userId: 'usr_secret_id' });
    expect(Object.fromEntries(Object.entries(encoded.metadata!).map(([k, v]) => [k, text(v)]))).toEqual({ encoding: ENCRYPTED_ENCODING, [KEY_ID_METADATA]: 'a', 'encryption-cipher': 'AES-256-GCM' });
    expect(text(encoded.data)).not.toMatch(/ada|example|usr_secret_id|json/);
  });

  it('uses a fresh IV each time: the same value encrypts differently', async () => {
    const codec = codecOf(keyA);
    const [one, two] = [await encodeOne(codec, 'same'), await encodeOne(codec, 'same')];
    expect(Buffer.from(one.data!).equals(Buffer.from(two.data!))).toBe(false);
    expect(Buffer.from(one.data!).subarray(0, 12).equals(Buffer.from(two.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads that are not encrypted through decode unchanged (histories from before the codec)', async () => {
    const plain = defaultPayloadConverter.toPayload({ userId: 'usr_1' });
    const [decoded] = await codecOf(keyA).decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('encodes and decodes a batch in order', async () => {
    const codec = codecOf(keyA);
    const encoded = await codec.encode(['a', 'b', 'c'].map((v) => defaultPayloadConverter.toPayload(v)));
    expect((await codec.decode(encoded)).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['a', 'b', 'c']);
    expect(await codec.encode([])).toEqual([]);
  });
});

describe('key rotation', () => {
  it('encrypts with the first key and decrypts with any listed key', async () => {
    const old = await encodeOne(codecOf(keyA), { userId: 'usr_1' });
    const rotated = codecOf(`${keyB},${keyA}`);
    expect(await decodeOne(rotated, old)).toEqual({ userId: 'usr_1' });
    const fresh = await encodeOne(rotated, { userId: 'usr_2' });
    expect(text(fresh.metadata![KEY_ID_METADATA])).toBe('b');
    expect(await decodeOne(codecOf(keyB), fresh)).toEqual({ userId: 'usr_2' });
  });

  it('refuses a payload whose key was dropped, naming the key ID it needs and the ones it has', async () => {
    const old = await encodeOne(codecOf(keyA), 'x');
    const err = await codecOf(keyB).decode([old]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect((err as Error).message).toMatch(/key "a".*does not hold.*holds b.*add that key back/);
  });
});

describe('tampering and wrong keys', () => {
  const codec = codecOf(keyA);

  it.each([
    ['the IV', 0],
    ['the ciphertext', 20],
    ['the authentication tag', -1],
  ])('refuses a payload with a flipped bit in %s', async (_part, index) => {
    const encoded = await encodeOne(codec, { connectorId: 'con_1', userId: 'usr_1' });
    await expect(codec.decode([flipped(encoded, index)])).rejects.toThrow(/key "a" fails authentication: it was altered/);
  });

  it('refuses a truncated payload and one without a key ID', async () => {
    const encoded = await encodeOne(codec, 'x');
    await expect(codec.decode([{ metadata: encoded.metadata, data: encoded.data!.subarray(0, 20) }])).rejects.toThrow(/too short/);
    await expect(codec.decode([{ metadata: { encoding: encoded.metadata!.encoding! }, data: encoded.data }])).rejects.toThrow(/carries no encryption-key-id/);
  });

  it('refuses a payload moved to another known key ID', async () => {
    const both = codecOf(`${keyA},${keyB}`);
    const encoded = await encodeOne(both, 'x');
    const moved: Payload = { metadata: { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from('b') }, data: encoded.data };
    await expect(both.decode([moved])).rejects.toThrow(/key "b" fails authentication/);
  });

  it('refuses to decrypt with a different key under the same ID', async () => {
    const encoded = await encodeOne(codecOf(generateCodecKey('same')), 'secret');
    await expect(codecOf(generateCodecKey('same')).decode([encoded])).rejects.toThrow(PayloadDecryptionError);
  });
});

describe('BINDERY_CODEC_KEYS', () => {
  const b64 = Buffer.alloc(32, 7).toString('base64');
  const hex = Buffer.alloc(32, 9).toString('hex');

  it('reads id:key entries, base64 or hex, the first one current', () => {
    const keys = parseCodecKeys(` new:${b64} , old:${hex} `);
    expect(keys.currentId).toBe('new');
    expect([...keys.keys.keys()]).toEqual(['new', 'old']);
    expect(keys.keys.get('old')).toEqual(Buffer.alloc(32, 9));
  });

  it.each([
    ['', /holds no key/],
    [b64, /each entry is id:base64key.*without an ID/],
    [`:${b64}`, /without an ID/],
    [`bad id:${b64}`, /with the ID "bad id"/],
    [`a:${b64},a:${hex}`, /"a" is listed twice/],
    [`a:${Buffer.alloc(16).toString('base64')}`, /key "a" must be 32 bytes/],
    ['a:not base64!', /key "a" must be 32 bytes/],
  ])('refuses %j with a clear message that never quotes key material', (value, message) => {
    let err: Error | undefined;
    try {
      parseCodecKeys(value);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(message);
    expect(err?.message).toMatch(/^BINDERY_CODEC_KEYS/);
    expect(err?.message).not.toContain(b64);
    expect(err?.message).not.toContain(hex);
  });

  it('generates keys once into the data directory, owner-only, and prefers the variable', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bindery-codec-'));
    const first = resolveCodecKeys({ dataDir });
    const again = resolveCodecKeys({ dataDir });
    expect(again.currentId).toBe(first.currentId);
    expect(again.keys.get(again.currentId)).toEqual(first.keys.get(first.currentId));
    expect(statSync(join(dataDir, 'codec-keys')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'codec-keys'), 'utf8')).toMatch(/^local-[0-9a-f]{6}:[A-Za-z0-9+/]{43}=\n$/);
    expect(resolveCodecKeys({ dataDir, codecKeys: keyB }).currentId).toBe('b');
  });
});
