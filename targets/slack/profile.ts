import { LIMITS } from './facts';
import type { TargetProfile, TargetSettings } from '../target';
import { explainSlack, slackDialect } from './dialect';
import { isSlackManagedName } from './groups';
import { diffSlackUser, isSlackGuest, slackUserPayload } from './mapping';
import { validateForSlack } from './validation';

const GUEST_ROLE_BY_HAND =
  'The user is a guest in the directory, but Slack Business+ cannot make guests through SCIM (only Enterprise Grid can): in Slack, change this account\'s role to guest (Manage members → Change account type). Nothing else is pending.';
const MEMBER_ROLE_BY_HAND =
  'The user is no longer a guest in the directory, but Slack Business+ cannot change a guest\'s role through SCIM: in Slack, change this account\'s role to full member (Manage members → Change account type).';

/** Slack as a target: the seed's mapping, Slack's rules (U5, U9, G7), its dialect and its org-wide limits. */
export function slackProfile(settings: TargetSettings): TargetProfile {
  const enterpriseGrid = settings.plan === 'enterprise_grid';
  const mapping = { sendDisplayName: !settings.usersChooseDisplayName, enterpriseGrid };
  return {
    kind: 'slack',
    targetName: 'Slack',
    groups: true,
    groupBatchSize: LIMITS.groupMembersPerBatchRecommended,
    dialect: slackDialect,
    deletion: 'deactivate', // Slack never deletes users
    userPayload: (user) => slackUserPayload(user, mapping),
    validateUser: (user, payload) => validateForSlack(user, payload, { sendDisplayName: mapping.sendDisplayName }),
    staticProblems: (user, payload) => validateForSlack(user, payload ?? slackUserPayload(user, mapping), { sendDisplayName: mapping.sendDisplayName }),
    diffUser: (user, payload, remote) => diffSlackUser(user, payload, remote, mapping),
    manualAction(user, remote) {
      if (enterpriseGrid) return undefined; // the role travels in the PATCH
      const guest = isSlackGuest(remote);
      if (user.guest && !guest) return { code: 'guest_role_manual', message: GUEST_ROLE_BY_HAND };
      if (!user.guest && guest) return { code: 'member_role_manual', message: MEMBER_ROLE_BY_HAND };
      return undefined;
    },
    creationAction: (user) => (user.guest && !enterpriseGrid ? { code: 'guest_role_manual', message: `Created as a full member. ${GUEST_ROLE_BY_HAND}` } : undefined),
    // Slack refuses guests in user groups (unable_to_add_deleted_or_guest_to_group).
    canJoinGroups: (user) => !user.guest,
    isManagedGroupName: isSlackManagedName,
    rateLimitKey: settings.teamDomain ? settings.teamDomain.trim().toLowerCase() : undefined,
    explain: (code) => explainSlack(code),
  };
}
