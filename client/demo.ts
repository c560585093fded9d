import type { Client } from '@temporalio/client';
import { DirectoryUserFields } from '../core/directory';
import type { Db } from '../db/client';
import { createConnector, listConnectors } from '../db/connectors';
import { createUser, listUsers } from '../db/users';
import { requestUserSync } from './temporal';

const DEMO_USERS = [
  { username: 'ada', email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', jobTitle: 'Analyst', department: 'Engineering' },
  { username: 'grace', email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper', jobTitle: 'Rear Admiral', department: 'Navy' },
  { username: 'alan', email: 'alan@example.com', firstname: 'Alan', lastname: 'Turing', jobTitle: 'Cryptanalyst', department: 'Hut 8' },
];

/** `npm start --demo`: a connector to the configured Slack and three users, synced once. Skipped when data exists. */
export async function seedDemo(deps: { db: Db; secretKey: Buffer; temporal: Client; taskQueue: string; slack: { baseUrl: string; token: string } }): Promise<void> {
  if ((await listConnectors(deps.db)).length > 0 || (await listUsers(deps.db, { limit: 1 })).length > 0) {
    console.log('demo: the directory already has data; nothing seeded');
    return;
  }
  const connector = await createConnector(deps.db, deps.secretKey, { label: 'Slack (demo)', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: deps.slack.baseUrl, scimToken: deps.slack.token });
  for (const fields of DEMO_USERS) {
    const user = await createUser(deps.db, DirectoryUserFields.parse({ ...fields, company: 'Acme' }));
    await requestUserSync(deps.temporal, deps.taskQueue, { connectorId: connector.id, userId: user.id });
  }
  console.log(`demo: connector ${connector.id} and ${DEMO_USERS.length} users created and synced`);
}
