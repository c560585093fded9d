import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateSecretFile } from '../secrets/secrets';

/**
 * The payload codec's keys: `id:key,id:key,…` (BINDERY_CODEC_KEYS), each key 32 bytes as base64 or 64 hex
 * digits. The first key encrypts new payloads; every listed key decrypts, so a key is rotated by putting a
 * new one first and keeping the old one until no history written with it is still needed.
 */
export type CodecKeys = { currentId: string; keys: ReadonlyMap<string, Buffer> };

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SOURCE = 'BINDERY_CODEC_KEYS';

function keyBytes(id: string, text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== 32) throw new Error(`${SOURCE}: key "${id}" must be 32 bytes, as base64 (openssl rand -base64 32) or 64 hex digits`);
  return key;
}

/** Parses `id:key,…`; errors name the variable and the key, never the key material. */
export function parseCodecKeys(text: string): CodecKeys {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${SOURCE} holds no key: write it as id:base64key[,id:base64key…], the first one encrypting`);
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) throw new Error(`${SOURCE}: each entry is id:base64key with an ID of letters, digits, ".", "_" or "-" (at most 64); got an entry ${colon > 0 ? `with the ID "${id.slice(0, 64)}"` : 'without an ID'}`);
    if (keys.has(id)) throw new Error(`${SOURCE}: the key ID "${id}" is listed twice; give every key its own ID`);
    keys.set(id, keyBytes(id, entry.slice(colon + 1).trim()));
  }
  return { currentId: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/** A new key entry `id:base64`, for a key file or for BINDERY_CODEC_KEYS. */
export function generateCodecKey(id = `local-${randomBytes(3).toString('hex')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** BINDERY_CODEC_KEYS, else the keys generated once into BINDERY_DATA_DIR/codec-keys (owner-only, like secret.key). */
export function resolveCodecKeys(config: { codecKeys?: string; dataDir: string }): CodecKeys {
  return parseCodecKeys(config.codecKeys ?? readOrCreateSecretFile(join(config.dataDir, 'codec-keys'), () => generateCodecKey()));
}
