import { Context } from '@temporalio/activity';
import type { EventType } from '../core/events';
import { diffScimUser, toScimUser } from '../core/mapping';
import { getConnector, scimCredentials } from '../db/connectors';
import { recordEvent } from '../db/events';
import { getLink, saveLink } from '../db/links';
import { getUser, toDirectoryUser } from '../db/users';
import { ScimError } from '../scim/errors';
import { type ActivityDeps, scimClientFactory } from './context';
import { rethrowForRetry } from './outcome';

export type UserRef = { connectorId: string; userId: string };

/** What the workflow learns: IDs and outcome codes only (workflow history is visible to operators). */
export type UserSyncOutcome = {
  result: 'created' | 'adopted' | 'updated' | 'unchanged' | 'failed' | 'skipped';
  slackId?: string;
  code?: string;
};

export function createUserSyncActivities(deps: ActivityDeps) {
  const { db, secretKey } = deps;
  const clientFor = scimClientFactory(deps);

  return {
    /**
     * Level-triggered: loads the directory user and the Slack user, then does the least needed —
     * adopt a match (userName, then email) or create, then patch what differs. Safe to repeat: after a
     * crash between POST and saving the link, the retry finds the user by userName and adopts it.
     */
    async provisionUser({ connectorId, userId }: UserRef): Promise<UserSyncOutcome> {
      const info = Context.current().info;
      const trace = { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, attempt: info.attempt };
      const event = (type: EventType, outcome: 'success' | 'failure', message: string, errorCode?: string) =>
        recordEvent(db, { type, connectorId, objectType: 'user', objectId: userId, outcome, message, errorCode, ...trace });

      const connector = await getConnector(db, connectorId);
      if (!connector) return { result: 'skipped', code: 'no_such_connector' };
      const creds = scimCredentials(secretKey, connector);
      if (!creds) return { result: 'skipped', code: 'idm_inactive' };
      const row = await getUser(db, userId);
      if (!row || row.deletedAt) return { result: 'skipped', code: 'no_such_directory_user' };

      const user = toDirectoryUser(row);
      const sendDisplayName = !connector.usersChooseDisplayName;
      const desired = toScimUser(user, { sendDisplayName });
      const scim = clientFor(creds);
      let stage: EventType = 'user_lookup_provision';
      try {
        const link = await getLink(db, connectorId, userId);
        let existing = link?.slackId ? await scim.getUser(link.slackId) : null;
        const adopted = !existing;
        existing ??= (await scim.findUserByUserName(desired.userName)) ?? (await scim.findUserByEmail(user.email));

        if (!existing) {
          stage = 'user_create_provision';
          const created = await scim.createUser(desired);
          await saveLink(db, { connectorId, userId, slackId: created.id, state: 'active' });
          await event('user_create_provision', 'success', 'Created the user in Slack.');
          return { result: 'created', slackId: created.id };
        }
        if (adopted) {
          await saveLink(db, { connectorId, userId, slackId: existing.id, state: 'active' });
          await event('user_lookup_provision', 'success', 'Found an existing Slack user with the same username or email and linked it instead of creating a duplicate.');
        }
        stage = 'user_update_provision';
        const operations = diffScimUser(desired, existing, { sendDisplayName });
        if (operations.length > 0) {
          await scim.patchUser(existing.id, operations);
          const paths = operations.map((o) => o.path ?? '(several)').join(', ');
          await event('user_update_provision', 'success', `Updated ${operations.length} attribute(s) in Slack: ${paths}.`);
          await saveLink(db, { connectorId, userId, slackId: existing.id, state: 'active' });
          return { result: 'updated', slackId: existing.id };
        }
        return { result: adopted ? 'adopted' : 'unchanged', slackId: existing.id };
      } catch (err) {
        if (!(err instanceof ScimError)) throw err;
        if (err.kind !== 'rate_limited') await event(stage, 'failure', err.explanation, err.code);
        if (err.kind === 'permanent') {
          await saveLink(db, { connectorId, userId, state: 'failed', lastErrorCode: err.code, lastError: err.explanation });
          return { result: 'failed', code: err.code };
        }
        rethrowForRetry(err);
      }
    },
  };
}

export type UserSyncActivities = ReturnType<typeof createUserSyncActivities>;
