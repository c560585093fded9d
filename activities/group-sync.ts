import type { EventType } from '../core/events';
import { isSlackManagedName, planGroupSync } from '../core/group-plan';
import { SLACK_ERRORS } from '../core/slack';
import { getConnector, scimCredentials } from '../db/connectors';
import { getGroupLink, saveGroupLink } from '../db/group-links';
import { loadGroupForSync } from '../db/group-state';
import type { GroupLinkState } from '../db/schema';
import { ScimError } from '../scim/errors';
import { type ActivityDeps, scimClientFor, slackOrgKey } from './context';
import { rethrowForRetry } from './outcome';
import { eventRecorder, settle } from './record';

export type GroupRef = { connectorId: string; groupId: string };

/** What the workflow learns: IDs and outcome codes only. */
export type GroupSyncOutcome = {
  result: 'created' | 'updated' | 'unchanged' | 'deleted' | 'empty' | 'disabled' | 'failed' | 'skipped';
  slackGroupId?: string;
  code?: string;
};

export function createGroupSyncActivities(deps: ActivityDeps) {
  const { db, secretKey } = deps;

  return {
    /**
     * Level-triggered reconciliation of one group with one connector (G1–G3, G6–G8): loads the group,
     * its binding and the Slack IDs of its members that are active in Slack, then does the least needed.
     * Unbound, or group management off: syncing stops and the Slack group is left as it is.
     */
    async reconcileGroup(ref: GroupRef): Promise<GroupSyncOutcome> {
      const { connectorId, groupId } = ref;
      const record = eventRecorder(db, { connectorId, objectType: 'group', objectId: groupId });
      const connector = await getConnector(db, connectorId);
      if (!connector) return { result: 'skipped', code: 'no_such_connector' };
      const creds = scimCredentials(secretKey, connector);
      if (!creds) return { result: 'skipped', code: 'idm_inactive' };
      const { group, binding, memberSlackIds } = await loadGroupForSync(db, connectorId, groupId);
      const link = await getGroupLink(db, connectorId, groupId);
      const save = (state: GroupLinkState, extra: { slackGroupId?: string | null; memberCount?: number; lastErrorCode?: string | null; lastError?: string | null } = {}) =>
        (tx: Parameters<typeof saveGroupLink>[0]) => saveGroupLink(tx, { connectorId, groupId, state, lastErrorCode: null, lastError: null, ...extra });

      if (!group || !binding) return { result: 'skipped', code: 'not_bound' };
      if (!connector.groupManagement || (binding.unboundAt && !group.deletedAt)) {
        if (link?.state !== 'disabled') await save('disabled')(db);
        return { result: 'disabled', slackGroupId: link?.slackGroupId ?? undefined };
      }
      if (isSlackManagedName(group.name)) {
        const message = `"${group.name}" is a group Slack manages itself; Slack does not allow it to be written through SCIM. Rename the directory group.`;
        await settle(db, save('failed', { lastErrorCode: 'slack_managed_group', lastError: message }), record, ['group_create_provision', 'failure', message, 'slack_managed_group']);
        return { result: 'failed', code: 'slack_managed_group' };
      }

      const scim = scimClientFor(deps, creds, slackOrgKey(connector));
      let stage: EventType = link?.slackGroupId ? 'group_update_provision' : 'group_create_provision';
      try {
        const linked = link?.slackGroupId ? await scim.getGroup(link.slackGroupId) : null;

        if (group.deletedAt) {
          // G2: a managed group deleted in the directory is deleted in Slack; its members are looked at by their own user-sync.
          stage = 'group_delete_provision';
          if (!linked) {
            if (link && link.state !== 'deleted') await save('deleted', { slackGroupId: null })(db);
            return { result: 'deleted' };
          }
          await scim.deleteGroup(linked.id);
          await settle(db, save('deleted', { slackGroupId: linked.id, memberCount: 0 }), record, ['group_delete_provision', 'success', 'Deleted the group in Slack.']);
          return { result: 'deleted', slackGroupId: linked.id };
        }

        // G1: a Slack group with the same name is taken over.
        const existing = linked ?? (await scim.findGroupByName(group.name));
        const plan = planGroupSync({
          desiredName: group.name,
          desiredMemberIds: memberSlackIds,
          actual: existing ? { displayName: existing.displayName, memberIds: existing.members.map((m) => m.value) } : null,
        });
        if (plan.refused) {
          const message = `${plan.refused.explanation} Rename the directory group.`;
          await settle(db, save('failed', { lastErrorCode: plan.refused.code, lastError: message }), record, [stage, 'failure', message, plan.refused.code]);
          return { result: 'failed', code: plan.refused.code };
        }
        if (!existing && !plan.create) {
          if (link?.state !== 'empty') await save('empty', { memberCount: 0 })(db);
          return { result: 'empty' };
        }

        let slackGroupId = existing?.id;
        if (plan.create) {
          stage = 'group_create_provision';
          slackGroupId = (await scim.createGroup(plan.create)).id;
          await saveGroupLink(db, { connectorId, groupId, slackGroupId, state: 'pending', memberCount: plan.create.members.length });
        }
        stage = plan.create ? 'group_create_provision' : 'group_update_provision';
        for (const operations of plan.patches) await scim.patchGroup(slackGroupId!, operations);

        const changed = plan.create !== undefined || plan.patches.length > 0 || !linked;
        const synced = save('synced', { slackGroupId, memberCount: memberSlackIds.length });
        if (!changed) {
          if (link?.state !== 'synced' || link.memberCount !== memberSlackIds.length) await synced(db);
          return { result: 'unchanged', slackGroupId };
        }
        const { added, removed, renamed } = plan.summary;
        const what = plan.create
          ? `Created the group in Slack with ${memberSlackIds.length} member(s).`
          : !linked
            ? `Took over the existing Slack group of the same name: ${added} member(s) added, ${removed} removed.`
            : `Updated the group in Slack: ${added} member(s) added, ${removed} removed${renamed ? ', renamed' : ''}.`;
        await settle(db, synced, record, [stage, 'success', what]);
        return { result: plan.create ? 'created' : 'updated', slackGroupId };
      } catch (err) {
        if (!(err instanceof ScimError)) throw err;
        if (err.kind === 'permanent') {
          await settle(db, save('failed', { lastErrorCode: err.code, lastError: err.explanation }), record, [stage, 'failure', err.explanation, err.code]);
          return { result: 'failed', code: err.code };
        }
        if (err.kind === 'retryable') await record(stage, 'failure', `${err.explanation} (retrying)`, err.code);
        rethrowForRetry(err);
      }
    },

    /** After the retries ran out: the group is marked failed with the reason until its next change. */
    async markGroupFailed(ref: GroupRef & { code: string }): Promise<void> {
      const explanation = ref.code in SLACK_ERRORS ? SLACK_ERRORS[ref.code as keyof typeof SLACK_ERRORS].explain : 'Slack kept failing.';
      const message = `Gave up after repeated transient failures (${ref.code}): ${explanation} Bindery tries again on the next change.`;
      const record = eventRecorder(db, { connectorId: ref.connectorId, objectType: 'group', objectId: ref.groupId });
      await settle(db, (tx) => saveGroupLink(tx, { ...ref, state: 'failed', lastErrorCode: ref.code, lastError: message }), record, ['group_update_provision', 'failure', message, ref.code]);
    },
  };
}
