import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * AES-256-GCM for secrets at rest (SCIM tokens). Stored form: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 * The key (32 bytes, base64 or hex) comes from BINDERY_SECRET_KEY; see parseKey.
 */
const VERSION = 'v1';

export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('BINDERY_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  return key;
}

export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, ciphertext] = stored.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('stored secret has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('stored secret cannot be decrypted: BINDERY_SECRET_KEY differs from the key it was written with');
  }
}

/** Reads a generated local secret, creating it (mode 0600) on first use. */
export function readOrCreateSecretFile(path: string, make: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true });
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

/** The token-encryption key: BINDERY_SECRET_KEY, else one generated into the data directory. */
export function resolveSecretKey(config: { secretKey?: string; dataDir: string }): Buffer {
  return parseKey(config.secretKey ?? readOrCreateSecretFile(join(config.dataDir, 'secret.key'), generateKey));
}

/** The admin API key: BINDERY_API_KEY, else one generated into the data directory (shared by API and CLI). */
export function resolveApiKey(config: { apiKey?: string; dataDir: string }): string {
  return config.apiKey ?? readOrCreateSecretFile(join(config.dataDir, 'api-key'), () => randomBytes(24).toString('base64url'));
}
