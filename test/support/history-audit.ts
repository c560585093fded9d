import { Client } from '@temporalio/client';
import { binderyDataConverter } from '../../codec/codec';
import { testCodecKeys } from './codec';
import { decodedHistory, historyAsText, plaintextPayloads } from './history';

/** What must never appear in workflow history: emails, Slack tokens, and the test suite's people. */
export const FORBIDDEN_IN_HISTORY: Array<[string, RegExp]> = [
  ['an email address', /[\w.+-]+@[\w-]+\.[a-z]{2,}/i],
  ['a Slack token', /xox[a-z]-[\w-]+/i],
  ['a password field', /"password"\s*:/i],
  ['a person\'s name', /\b(Lovelace|Hopper|Turing|Zebulon|Quixotic|Family \d+)\b/],
];

/**
 * Scans every workflow history on the server: each payload must be encrypted as the server keeps it (the
 * codec on every client and worker), and once decrypted, hold IDs and codes only. Returns the findings.
 */
export async function auditHistories(client: Client): Promise<string[]> {
  const findings: string[] = [];
  let scanned = 0;
  // Listing decodes memos (encrypted too), so it needs the codec; histories are fetched raw either way.
  const lister = new Client({ connection: client.connection, namespace: client.options.namespace, dataConverter: binderyDataConverter(testCodecKeys()) });
  for await (const wf of lister.workflow.list()) {
    const raw = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    scanned++;
    const plain = plaintextPayloads(raw);
    if (plain.length > 0) findings.push(`${wf.workflowId} (${wf.runId}) holds ${plain.length} unencrypted payload(s), e.g. at ${plain[0]}`);
    const text = historyAsText(await decodedHistory(raw));
    for (const [what, pattern] of FORBIDDEN_IN_HISTORY) {
      const m = pattern.exec(text);
      if (m) findings.push(`${wf.workflowId} (${wf.runId}) holds ${what}: ${m[0]}`);
    }
  }
  if (scanned === 0) findings.push('no workflow histories were found to scan');
  return findings;
}
