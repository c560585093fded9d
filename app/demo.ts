import { DirectoryUserFields } from '../core/directory';
import { listConnectors } from '../db/connectors';
import { listUsers } from '../db/users';
import * as bindings from '../services/bindings';
import * as connectors from '../services/connectors';
import { change, type ServiceDeps } from '../services/context';
import * as groups from '../services/groups';
import * as users from '../services/users';

const DEMO_USERS = [
  { username: 'ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Analyst', department: 'Engineering' },
  { username: 'grace', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', jobTitle: 'Rear Admiral', department: 'Navy' },
  { username: 'alan', email: 'alan@example.com', firstName: 'Alan', lastName: 'Turing', jobTitle: 'Cryptanalyst', department: 'Hut 8' },
];

/**
 * `npm start -- --demo`: a connector to the configured Slack (its token verified, its activation recorded),
 * a group "Everyone" bound to it and three users in it — through the same services as the API, so every
 * rule and every sync intent applies. Skipped when the directory has data.
 */
export async function seedDemo(deps: ServiceDeps, slack: { baseUrl: string; token: string }): Promise<void> {
  if ((await listConnectors(deps.db)).length > 0 || (await listUsers(deps.db, { limit: 1 })).length > 0) {
    console.log('demo: the directory already has data; nothing seeded');
    return;
  }
  const connector = await connectors.createConnector(deps, { label: 'Slack (demo)', teamName: 'acme', teamDomain: 'acme.slack.com', scimBaseUrl: slack.baseUrl, scimToken: slack.token });
  await change(deps, async (tx) => {
    const group = await groups.createGroup(tx, 'Everyone');
    for (const fields of DEMO_USERS) {
      const user = await users.createUser(tx, DirectoryUserFields.parse({ ...fields, company: 'Acme' }));
      await groups.addMember(tx, group.id, user.id);
    }
    await bindings.bindGroup(tx, connector.id, group.id);
  });
  console.log(`demo: connector ${connector.id}, group "Everyone" and ${DEMO_USERS.length} users created; syncing`);
}
