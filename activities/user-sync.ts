import type { EventType } from '../core/events';
import { diffScimUser, toScimUser } from '../core/mapping';
import type { ScimUserPayload, SlackUser } from '../core/scim-user';
import { SCHEMAS, SLACK_ERRORS } from '../core/slack';
import { deactivationEvent, desiredState, INACTIVE_REASON_TEXT, resolveMatch } from '../core/user-plan';
import { describeProblems, validateForSlack } from '../core/validation';
import { isAuthorized } from '../db/authorization';
import { boundGroupsOfUser } from '../db/group-state';
import { enqueue } from '../db/outbox';
import { type ConnectorRow, getConnector, scimCredentials } from '../db/connectors';
import { completeCreation, getLink, saveLink } from '../db/links';
import { getUser, toDirectoryUser } from '../db/users';
import { type ScimClient } from '../scim/client';
import { ScimError } from '../scim/errors';
import { type ActivityDeps, scimClientFor, slackOrgKey } from './context';
import { rethrowForRetry } from './outcome';
import { eventRecorder, type RecordEvent, settle } from './record';

export type UserRef = { connectorId: string; userId: string };

/** What the workflow learns: IDs and outcome codes only (workflow history is visible to operators). */
export type UserSyncOutcome = {
  result: 'created' | 'adopted' | 'updated' | 'reactivated' | 'deactivated' | 'unchanged' | 'failed' | 'skipped' | 'stuck';
  slackId?: string;
  code?: string;
};

export function createUserSyncActivities(deps: ActivityDeps) {
  const { db, secretKey } = deps;

  const recorder = (ref: UserRef) => eventRecorder(db, { connectorId: ref.connectorId, objectType: 'user', objectId: ref.userId });
  /**
   * Saves the link with its event; when the user's presence in Slack changed (created, reactivated,
   * deactivated) and the connector manages groups, also asks for the user's bound groups to be synced
   * again, in the same transaction: a returning user is put back into every group (X2).
   */
  const settleLink = (link: Parameters<typeof saveLink>[1], event: Parameters<typeof settle>[3], record: RecordEvent, groupsOf?: ConnectorRow) =>
    settle(
      db,
      async (tx) => {
        await saveLink(tx, link);
        if (!groupsOf?.groupManagement) return;
        for (const groupId of await boundGroupsOfUser(tx, link.connectorId, link.userId)) await enqueue(tx, 'group', link.connectorId, groupId);
      },
      record,
      event,
    );

  /** Records a creation once, whichever attempt gets there first (see completeCreation); queues the user's groups with it. */
  const settleCreation = (ref: UserRef, slackId: string, message: string, record: RecordEvent, connector: ConnectorRow) =>
    db.transaction(async (tx) => {
      if (!(await completeCreation(tx, ref.connectorId, ref.userId, slackId))) return;
      if (connector.groupManagement) {
        for (const groupId of await boundGroupsOfUser(tx, ref.connectorId, ref.userId)) await enqueue(tx, 'group', ref.connectorId, groupId);
      }
      await record('user_create_provision', 'success', message, undefined, tx);
    });

  return {
    /**
     * Level-triggered reconciliation of one user with one connector: loads the directory and Slack,
     * decides (core/user-plan.ts) and does the least needed. Safe to repeat at any point: before a POST
     * the link is marked "creating", so a retry that finds the user by userName knows it made it.
     */
    async reconcileUser(ref: UserRef): Promise<UserSyncOutcome> {
      const { connectorId, userId } = ref;
      const event = recorder(ref);
      const connector = await getConnector(db, connectorId);
      if (!connector) return { result: 'skipped', code: 'no_such_connector' };
      const creds = scimCredentials(secretKey, connector);
      if (!creds) return { result: 'skipped', code: 'idm_inactive' };

      const row = await getUser(db, userId);
      const present = row !== undefined && row.deletedAt === null;
      const desired = desiredState({
        present,
        suspended: row?.suspended ?? false,
        passwordExpired: row?.passwordExpired ?? false,
        authorized: present && (await isAuthorized(db, connectorId, userId)),
      });
      const link = await getLink(db, connectorId, userId);
      const scim = scimClientFor(deps, creds, slackOrgKey(connector));
      let stage: EventType = 'user_lookup_provision';

      try {
        if (!desired.active) {
          // Only accounts Bindery manages are deactivated: never one it has not linked.
          if (!link?.slackId || link.state === 'deactivated') return { result: 'unchanged', slackId: link?.slackId ?? undefined };
          stage = deactivationEvent(desired.reason);
          // Slack's DELETE deactivates and is idempotent: no read first. An account gone from Slack is as good as deactivated.
          await scim.deactivateUser(link.slackId).catch((e: unknown) => {
            if (!(e instanceof ScimError && e.code === 'no_such_user')) throw e;
          });
          await settleLink({ connectorId, userId, slackId: link.slackId, state: 'deactivated' }, [stage, 'success', `Deactivated in Slack: ${INACTIVE_REASON_TEXT[desired.reason]}.`], event, connector);
          return { result: 'deactivated', slackId: link.slackId };
        }

        const user = toDirectoryUser(row!);
        const sendDisplayName = !connector.usersChooseDisplayName;
        const payload = withGuestRole(toScimUser(user, { sendDisplayName }), user.guest, connector);
        const problems = validateForSlack(user, payload, { sendDisplayName });
        if (problems.length > 0) {
          stage = link?.slackId ? 'user_update_provision' : 'user_create_provision';
          const message = `Not sent to Slack: ${describeProblems(problems)}`;
          await settleLink({ connectorId, userId, state: 'failed', lastErrorCode: problems[0]!.code, lastError: message }, [stage, 'failure', message, problems[0]!.code], event);
          return { result: 'failed', code: problems[0]!.code };
        }

        const linked = link?.slackId ? await scim.getUser(link.slackId) : null;
        const byUserName = linked ? null : await scim.findUserByUserName(payload.userName);
        const byEmail = linked || byUserName ? null : await scim.findUserByEmail(user.email);
        const match = resolveMatch(link, { linked, byUserName, byEmail });

        if (match.action === 'refuse') {
          stage = 'user_create_provision';
          const message = `Slack account ${match.holderId} is deactivated but still holds this user's email, so Slack refuses a new account with it. In Slack, change that account's email by hand (or give it this user's username if it is their earlier account), then sync again.`;
          await settleLink({ connectorId, userId, state: 'failed', lastErrorCode: match.code, lastError: message }, [stage, 'failure', message, match.code], event);
          return { result: 'failed', code: match.code };
        }

        if (match.action === 'create') return await create(scim, payload, connector, ref, event, user.guest, (s) => (stage = s));

        const existing = (linked ?? byUserName ?? byEmail)!;
        if (match.how !== 'linked') {
          const adopted = { connectorId, userId, slackId: match.slackId, state: 'active' as const };
          if (match.how === 'own_creation') await settleCreation(ref, match.slackId, 'Created the user in Slack (confirmed after a retry).', event, connector);
          else await settleLink(adopted, ['user_lookup_provision', 'success', `Found an existing Slack user with the same ${match.how === 'email' ? 'email' : 'username'} and linked it instead of creating a duplicate.`], event, connector);
        }
        stage = 'user_update_provision';
        const operations = diffScimUser(payload, existing, { sendDisplayName });
        if (operations.length === 0) {
          if (link?.state !== 'active') await saveLink(db, { connectorId, userId, slackId: existing.id, state: 'active' });
          return { result: match.how === 'linked' || match.how === 'own_creation' ? 'unchanged' : 'adopted', slackId: existing.id };
        }
        await scim.patchUser(existing.id, operations);
        const paths = operations.map((o) => o.path ?? '(several)').join(', ');
        await settleLink({ connectorId, userId, slackId: existing.id, state: 'active' }, ['user_update_provision', 'success', match.reactivate ? `Reactivated the Slack user (${paths}).` : `Updated in Slack: ${paths}.`], event, match.reactivate ? connector : undefined);
        return { result: match.reactivate ? 'reactivated' : 'updated', slackId: existing.id };
      } catch (err) {
        if (!(err instanceof ScimError)) throw err;
        if (err.kind === 'permanent') {
          await settleLink({ connectorId, userId, state: 'failed', lastErrorCode: err.code, lastError: err.explanation }, [stage, 'failure', err.explanation, err.code], event);
          return { result: 'failed', code: err.code };
        }
        if (err.kind === 'retryable') await event(stage, 'failure', `${err.explanation} (retrying)`, err.code);
        rethrowForRetry(err);
      }
    },

    /** After the retries ran out: quarantine the user (the "stuck" list) until the next change. */
    async quarantineUser(ref: UserRef & { code: string }): Promise<void> {
      const explanation = ref.code in SLACK_ERRORS ? SLACK_ERRORS[ref.code as keyof typeof SLACK_ERRORS].explain : 'Slack kept failing.';
      const message = `Quarantined after repeated transient failures (${ref.code}): ${explanation} Bindery tries again on the next change or a manual sync.`;
      await settleLink({ connectorId: ref.connectorId, userId: ref.userId, state: 'stuck', lastErrorCode: ref.code, lastError: message }, ['user_update_provision', 'failure', message, ref.code], recorder(ref));
    },
  };

  async function create(
    scim: ScimClient,
    payload: ScimUserPayload,
    connector: ConnectorRow,
    ref: UserRef,
    event: RecordEvent,
    guest: boolean,
    setStage: (s: EventType) => void,
  ): Promise<UserSyncOutcome> {
    setStage('user_create_provision');
    await saveLink(db, { ...ref, slackId: null, state: 'creating' });
    let created: SlackUser;
    try {
      created = await scim.createUser(payload);
    } catch (err) {
      // Another attempt for this user (one Temporal gave up on that kept running) may have just created it:
      // a userName that was free at lookup and is taken now is ours if the link still says so.
      const mine = err instanceof ScimError && err.code === 'username_taken' ? await scim.findUserByUserName(payload.userName) : null;
      const current = mine ? await getLink(db, ref.connectorId, ref.userId) : undefined;
      if (!mine || !(current?.state === 'creating' || current?.slackId === mine.id)) throw err;
      await settleCreation(ref, mine.id, 'Created the user in Slack (confirmed after a concurrent attempt).', event, connector);
      return { result: 'created', slackId: mine.id };
    }
    const note = guest && connector.plan !== 'enterprise_grid'
      ? ' Created as a full member: Slack Business+ cannot create guests through SCIM; change the role to guest in Slack.'
      : '';
    await settleCreation(ref, created.id, `Created the user in Slack.${note}`, event, connector);
    return { result: 'created', slackId: created.id };
  }
}

/** U9: multi-channel guests only on Enterprise Grid; elsewhere the user is created as a member. */
function withGuestRole(payload: ScimUserPayload, guest: boolean, connector: ConnectorRow): ScimUserPayload {
  if (!guest || connector.plan !== 'enterprise_grid') return payload;
  return { ...payload, schemas: [...payload.schemas, SCHEMAS.guest], [SCHEMAS.guest]: { type: 'multi' } } as ScimUserPayload;
}

export type UserSyncActivities = ReturnType<typeof createUserSyncActivities>;
