import type { Client } from '@temporalio/client';

/** What must never appear in workflow history: emails, Slack tokens, and the test suite's people. */
export const FORBIDDEN_IN_HISTORY: Array<[string, RegExp]> = [
  ['an email address', /[\w.+-]+@[\w-]+\.[a-z]{2,}/i],
  ['a Slack token', /xox[a-z]-[\w-]+/i],
  ['a password field', /"password"\s*:/i],
  ['a person\'s name', /\b(Lovelace|Hopper|Turing|Zebulon|Quixotic|Family \d+)\b/],
];

/** Scans every workflow history on the server (decoded payloads included); returns the findings. */
export async function auditHistories(client: Client): Promise<string[]> {
  const findings: string[] = [];
  let scanned = 0;
  for await (const wf of client.workflow.list()) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
    scanned++;
    for (const [what, pattern] of FORBIDDEN_IN_HISTORY) {
      const m = pattern.exec(text);
      if (m) findings.push(`${wf.workflowId} (${wf.runId}) holds ${what}: ${m[0]}`);
    }
  }
  if (scanned === 0) findings.push('no workflow histories were found to scan');
  return findings;
}
