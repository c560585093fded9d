import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { CodecKeys } from './keys';

/**
 * AES-256-GCM payload encryption for everything Bindery hands to Temporal: workflow inputs, signals,
 * activity arguments and results, queries, memos, schedule actions. The Temporal server stores only
 * ciphertext; the key ID travels in the payload's metadata so that a rotated key still decrypts old
 * histories. The plaintext is the whole original payload (its metadata too), protobuf-encoded, as
 * Temporal's samples do, so decoding gives back exactly what was encoded.
 *
 * Payload data: 12-byte IV ‖ ciphertext ‖ 16-byte tag; metadata `encoding: binary/encrypted`,
 * `encryption-key-id: <id>`, `encryption-cipher: AES-256-GCM`. The key ID and the encoding are also the
 * authenticated data, so a payload moved to another key ID is refused like a tampered one.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const { Payload: PayloadProto } = proto.temporal.api.common.v1;
const utf8 = new TextEncoder();
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);
const aad = (keyId: string) => utf8.encode(`${ENCRYPTED_ENCODING}|${keyId}`);

/** Why a payload could not be decrypted: unknown key, tampering, or not Bindery's format. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

/** Whether a payload is one this codec encrypted. */
export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  /** Payloads not encrypted (written before the codec was on) pass through unchanged. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keys.currentId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keys.get(keyId)!, iv);
    cipher.setAAD(aad(keyId));
    const plaintext = PayloadProto.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId), [CIPHER_METADATA]: utf8.encode(CIPHER) }, data };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new PayloadDecryptionError(`an encrypted payload carries no ${KEY_ID_METADATA}: it was not written by Bindery's codec`);
    const key = this.keys.keys.get(keyId);
    if (!key) throw new PayloadDecryptionError(`a payload is encrypted with the key "${keyId}", which BINDERY_CODEC_KEYS does not hold (it holds ${[...this.keys.keys.keys()].join(', ')}): add that key back, after the current one`);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`a payload encrypted with the key "${keyId}" is too short to be one: it was truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(aad(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`a payload encrypted with the key "${keyId}" fails authentication: it was altered, or that ID now names a different key`);
    }
    const decoded = PayloadProto.decode(plaintext);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}

/** The data converter of every Bindery client and worker: the default payload conversion, then encryption. */
export function binderyDataConverter(keys: CodecKeys): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
