import { DirectoryUserFields } from '../core/directory';
import type { Db } from '../db/client';
import { bindGroup } from '../db/bindings';
import { createConnector, listConnectors } from '../db/connectors';
import { addMember, createGroup } from '../db/groups';
import { enqueueGroupMembers } from '../db/outbox';
import { createUser, listUsers } from '../db/users';

const DEMO_USERS = [
  { username: 'ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Analyst', department: 'Engineering' },
  { username: 'grace', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', jobTitle: 'Rear Admiral', department: 'Navy' },
  { username: 'alan', email: 'alan@example.com', firstName: 'Alan', lastName: 'Turing', jobTitle: 'Cryptanalyst', department: 'Hut 8' },
];

/**
 * `npm start --demo`: a connector to the configured Slack, a group "Everyone" bound to it and three
 * users in it — queued through the outbox like any change. Skipped when the directory has data.
 */
export async function seedDemo(deps: { db: Db; secretKey: Buffer; slack: { baseUrl: string; token: string }; notify: () => void }): Promise<void> {
  if ((await listConnectors(deps.db)).length > 0 || (await listUsers(deps.db, { limit: 1 })).length > 0) {
    console.log('demo: the directory already has data; nothing seeded');
    return;
  }
  const connector = await deps.db.transaction(async (tx) => {
    const c = await createConnector(tx, deps.secretKey, { label: 'Slack (demo)', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: deps.slack.baseUrl, scimToken: deps.slack.token });
    const group = await createGroup(tx, 'Everyone');
    for (const fields of DEMO_USERS) await addMember(tx, group.id, (await createUser(tx, DirectoryUserFields.parse({ ...fields, company: 'Acme' }))).id);
    await bindGroup(tx, c.id, group.id, null);
    await enqueueGroupMembers(tx, group.id, c.id);
    return c;
  });
  deps.notify();
  console.log(`demo: connector ${connector.id}, group "Everyone" and ${DEMO_USERS.length} users created; syncing`);
}
