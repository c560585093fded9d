import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { testCodec } from '../support/codec';
import { decodedHistory, historyAsText, plaintextPayloads } from '../support/history';

// The history audit's tools (test/support/history.ts), on a history shaped like the server's: they must
// find a payload that is not encrypted, and decrypt the ones that are.
const plain = (v: unknown) => defaultPayloadConverter.toPayload(v);

async function history(input: unknown, encrypted: boolean) {
  const [payload] = encrypted ? await testCodec().encode([plain(input)]) : [plain(input)];
  return {
    events: [
      {
        eventId: 1,
        workflowExecutionStartedEventAttributes: {
          input: { payloads: [payload] },
          searchAttributes: { indexedFields: { BinderyUserId: plain('usr_1') } },
          memo: { fields: { note: encrypted ? (await testCodec().encode([plain('m')]))[0] : plain('m') } },
        },
      },
    ],
  } as never;
}

describe('the history audit', () => {
  it('reports every payload that is not encrypted, with where it is, search attributes aside', async () => {
    expect(plaintextPayloads(await history({ userId: 'usr_1' }, false))).toEqual(['events.0.workflowExecutionStartedEventAttributes.input.payloads.0', 'events.0.workflowExecutionStartedEventAttributes.memo.fields.note']);
    expect(plaintextPayloads(await history({ userId: 'usr_1' }, true))).toEqual([]);
  });

  it('decrypts a history in place, so the scan reads what the payloads hold', async () => {
    const h = await history({ userId: 'usr_1', email: 'someone@example.com' }, true);
    expect(historyAsText(h)).not.toContain('someone@example.com');
    expect(historyAsText(await decodedHistory(h))).toContain('someone@example.com');
  });
});
