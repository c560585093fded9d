import { Client, Connection } from '@temporalio/client';
import { expect, it } from 'vitest';
import { auditHistories } from '../support/history-audit';

// Runs after the whole `temporal` project (vitest groupOrder): every workflow history the suite produced
// holds IDs and outcome codes only — no email, token, password or name.
it('no workflow history of the run holds an email, token, password or name', async () => {
  const address = process.env.BINDERY_TEST_TEMPORAL_ADDRESS;
  expect(address, 'the temporal project must run first (npm test runs both)').toBeTruthy();
  const connection = await Connection.connect({ address: address! });
  try {
    const findings = await auditHistories(new Client({ connection }));
    expect(findings).toEqual([]);
  } finally {
    await connection.close();
  }
});
