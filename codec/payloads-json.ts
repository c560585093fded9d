import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/**
 * Temporal's `Payloads` message in its protobuf JSON form, as the Web UI and the Temporal CLI send it to a
 * codec server: `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`. Bytes are
 * base64 (standard or URL-safe alphabet, padding optional, as protobuf's JSON mapping accepts).
 */
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const PayloadJson = z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }).loose();
export const PayloadsJson = z.object({ payloads: z.array(PayloadJson).default([]) }).loose();
export type PayloadsJson = z.output<typeof PayloadsJson>;

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

export function payloadsFromJson(json: PayloadsJson): Payload[] {
  return json.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, bytes(v)])),
    ...(p.data == null ? {} : { data: bytes(p.data) }),
  }));
}

export function payloadsToJson(payloads: Payload[]): { payloads: Array<{ metadata: Record<string, string>; data?: string }> } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
      ...(p.data == null ? {} : { data: b64(p.data) }),
    })),
  };
}
