import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, generateKey, parseKey, resolveSecretKey } from '../../secrets/secrets';

describe('SCIM tokens at rest (AES-256-GCM)', () => {
  const key = parseKey(generateKey());

  it('round-trips and never stores the clear text', () => {
    const stored = encryptSecret(key, 'xoxp-123-secret');
    expect(stored).not.toContain('xoxp');
    expect(stored.startsWith('v1.')).toBe(true);
    expect(decryptSecret(key, stored)).toBe('xoxp-123-secret');
  });

  it('uses a fresh IV each time', () => {
    expect(encryptSecret(key, 'same')).not.toBe(encryptSecret(key, 'same'));
  });

  it('refuses a tampered ciphertext and a different key with a clear message', () => {
    const stored = encryptSecret(key, 'xoxp-123');
    const parts = stored.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow(/cannot be decrypted/);
    expect(() => decryptSecret(parseKey(generateKey()), stored)).toThrow(/BINDERY_SECRET_KEY differs/);
    expect(() => decryptSecret(key, 'garbage')).toThrow(/unknown format/);
  });

  it('accepts 32-byte keys as hex or base64 and refuses others', () => {
    expect(parseKey('ab'.repeat(32))).toHaveLength(32);
    expect(() => parseKey('too-short')).toThrow(/32 bytes/);
  });

  it('generates a key file once (mode 0600) and reuses it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bindery-key-'));
    const first = resolveSecretKey({ dataDir });
    expect(resolveSecretKey({ dataDir })).toEqual(first);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(parseKey(readFileSync(join(dataDir, 'secret.key'), 'utf8'))).toEqual(first);
  });
});
