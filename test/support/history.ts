import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { isEncrypted } from '../../codec/codec';
import { testCodec } from './codec';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/** A Temporal Payload inside a history: `metadata` of bytes, and `data` bytes (or none). */
function isPayload(value: unknown): value is Payload {
  if (typeof value !== 'object' || value === null || !('metadata' in value)) return false;
  const { metadata, data } = value as { metadata?: unknown; data?: unknown };
  return typeof metadata === 'object' && metadata !== null && Object.values(metadata).every((v) => v instanceof Uint8Array) && (data == null || data instanceof Uint8Array);
}

/** Every payload of a history with where it is (`events.3.workflowExecutionStartedEventAttributes.input.payloads.0`). */
export function payloadsIn(value: unknown, path = '', found: Array<{ path: string; payload: Payload; holder: Record<string, unknown>; key: string }> = []) {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return found;
  for (const [key, inner] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (isPayload(inner)) found.push({ path: at, payload: inner, holder: value as Record<string, unknown>, key });
    else payloadsIn(inner, at, found);
  }
  return found;
}

/** Search attributes are indexed by the server, so no codec ever encodes them (they hold IDs only). */
export const isSearchAttribute = (path: string) => /(^|\.)searchAttributes\./.test(path);

/** The history with every encrypted payload decrypted in place (the raw history, as the server keeps it, is read without the codec). */
export async function decodedHistory(history: History, codec: PayloadCodec = testCodec()): Promise<History> {
  const found = payloadsIn(history);
  const decoded = await codec.decode(found.map((f) => f.payload));
  found.forEach((f, i) => (f.holder[f.key] = decoded[i]));
  return history;
}

/** Where a history holds a payload that is not encrypted (search attributes aside). */
export function plaintextPayloads(history: History): string[] {
  return payloadsIn(history)
    .filter((f) => !isSearchAttribute(f.path) && !isEncrypted(f.payload))
    .map((f) => f.path);
}

/**
 * The history as JSON with every byte string as UTF-8 text. The replacer reads the holder's own value:
 * a Buffer (what decoding gives) has already been turned into `{type, data}` by its toJSON when the
 * replacer sees it, which would hide a payload's text from the scan.
 */
export function historyAsText(history: History): string {
  return JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
    const own = this[key];
    return own instanceof Uint8Array ? Buffer.from(own).toString('utf8') : value;
  });
}

/** A workflow's whole history as text, with every payload decrypted and decoded, for scanning what it reveals. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  return historyAsText(await decodedHistory(await client.workflow.getHandle(workflowId).fetchHistory()));
}
