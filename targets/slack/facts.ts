import { SCIM_URNS } from '../../core/scim';
import type { RateLimitRule, RateTable } from '../../core/token-bucket';

/**
 * Slack's SCIM dialect as facts: schema URNs, size limits, rate limits and error codes.
 * The single source of truth for the emulator (which enforces them), the Slack target's dialect
 * (which classifies answers with them) and its validation (which checks before sending).
 * Source: shared spec slack-scim.md (sections in brackets).
 */

/** Schema URNs, SCIM 2.0 [§3]: the RFC's, and Slack's own extensions. */
export const SCHEMAS = {
  ...SCIM_URNS,
  guest: 'urn:ietf:params:scim:schemas:extension:slack:guest:2.0:User',
  profile: 'urn:ietf:params:scim:schemas:extension:slack:profile:2.0:User',
} as const;

/** Size limits Slack enforces [§3, §4, §5]. */
export const LIMITS = {
  /** Slack accepts at most 21 characters; the seed asks the engine for *less than* 21. */
  userNameMax: 21,
  nickNameMax: 21,
  displayNameMax: 80,
  customProfileFieldsMax: 50,
  pageSizeDefault: 10,
  pageSizeMax: 1000,
  groupMembersPerRequestMax: 15_000,
  groupMembersPerBatchRecommended: 5_000,
} as const;

/** Org-wide request sets [§7]: limits apply across every SCIM app of the org. */
export const ORG_RATE_LIMITS = {
  write: { perMinute: 600, burst: 180 },
  read: { perMinute: 1000, burst: 1000 },
} as const satisfies Record<string, RateLimitRule>;

/**
 * Per-endpoint limits [§7], keyed `METHOD resource` where resource is `Users`, `Users/:id`,
 * `Groups` or `Groups/:id`. List endpoints have only the org read limit, so they are absent.
 */
export const ENDPOINT_RATE_LIMITS = {
  'GET Users/:id': { perMinute: 300, burst: 300 },
  'POST Users': { perMinute: 180, burst: 20 },
  'PUT Users/:id': { perMinute: 180, burst: 20 },
  'PATCH Users/:id': { perMinute: 180, burst: 20 },
  'DELETE Users/:id': { perMinute: 180, burst: 20 },
  'GET Groups/:id': { perMinute: 300, burst: 300 },
  'POST Groups': { perMinute: 180, burst: 20 },
  'PUT Groups/:id': { perMinute: 180, burst: 80 },
  'PATCH Groups/:id': { perMinute: 180, burst: 80 },
  'DELETE Groups/:id': { perMinute: 180, burst: 20 },
} as const satisfies Record<string, RateLimitRule>;

export type EndpointKey = keyof typeof ENDPOINT_RATE_LIMITS;

/** Slack's limits as the governor reads them. */
export const SLACK_RATE_LIMITS: RateTable = { org: ORG_RATE_LIMITS, endpoints: ENDPOINT_RATE_LIMITS };

/**
 * Slack's SCIM error codes [§6] with the HTTP status the emulator answers and the explanation an
 * admin reads in an insights event. `retryable` marks codes worth trying again unchanged.
 */
export const SLACK_ERRORS = {
  // auth / plan
  invalid_authentication: { status: 401, retryable: false, explain: 'Slack rejected the SCIM token: re-authenticate the connector with a valid admin token.' },
  missing_authentication: { status: 401, retryable: false, explain: 'No SCIM token was sent to Slack.' },
  permission_denied: { status: 403, retryable: false, explain: 'The token\'s account lacks permission for this change (an Admin token cannot modify Owners).' },
  plus_teams_only: { status: 403, retryable: false, explain: 'SCIM needs a Slack Business+ or Enterprise Grid plan.' },
  non_org_teams_only: { status: 403, retryable: false, explain: 'On Enterprise Grid, install the SCIM app at the organisation level, not on a workspace.' },
  // names
  username_too_long: { status: 400, retryable: false, explain: 'The username is longer than Slack allows (21 characters): shorten it in the directory.' },
  username_taken: { status: 409, retryable: false, explain: 'The username is already used by another Slack user or by a channel name: choose another username in the directory.' },
  username_empty: { status: 400, retryable: false, explain: 'The username is empty.' },
  username_required: { status: 400, retryable: false, explain: 'A username is required.' },
  username_invalid: { status: 400, retryable: false, explain: 'The username has characters Slack does not allow.' },
  username_not_allowed: { status: 400, retryable: false, explain: 'Slack reserves this username.' },
  long_nickname: { status: 400, retryable: false, explain: 'The nickname is longer than 21 characters.' },
  invalid_display_name: { status: 400, retryable: false, explain: 'Slack refused the display name: turn off "Allow users to choose their own display name" in Slack, or stop sending display names.' },
  invalid_name_maxlength: { status: 400, retryable: false, explain: 'The display name is longer than 80 characters.' },
  invalid_name_specials: { status: 400, retryable: false, explain: 'The display name contains a character Slack does not allow (such as @).' },
  invalid_name_required: { status: 400, retryable: false, explain: 'Given and family name cannot both be blank.' },
  invalid_starts_with_at: { status: 400, retryable: false, explain: 'The display name cannot start with @.' },
  // emails and identity
  email_taken: { status: 409, retryable: false, explain: 'Another Slack account, possibly a deactivated one, already holds this email: change that account\'s email in Slack by hand, then sync again.' },
  missing_primary_email: { status: 400, retryable: false, explain: 'A primary email is required and cannot be removed.' },
  emails_invalid: { status: 400, retryable: false, explain: 'An email address is malformed.' },
  email_invalid: { status: 400, retryable: false, explain: 'An email address is malformed.' },
  email_empty: { status: 400, retryable: false, explain: 'An email address is empty.' },
  bad_email_address: { status: 400, retryable: false, explain: 'An email address is malformed.' },
  phoneNumbers_invalid: { status: 400, retryable: false, explain: 'A phone number is malformed.' },
  addresses_invalid: { status: 400, retryable: false, explain: 'An address is malformed.' },
  photos_invalid: { status: 400, retryable: false, explain: 'A photo is not a public URL or a data: URL.' },
  roles_invalid: { status: 400, retryable: false, explain: 'A role is malformed.' },
  user_creation_failed: { status: 500, retryable: true, explain: 'Slack failed to create the user.' },
  // payload
  invalid_request_payload: { status: 400, retryable: false, explain: 'Slack could not read the request.' },
  invalid_attribute_format: { status: 400, retryable: false, explain: 'An attribute has the wrong format.' },
  missing_schema_element: { status: 400, retryable: false, explain: 'The request lacks a required schema element.' },
  improper_enterprise_schema_format: { status: 400, retryable: false, explain: 'The enterprise extension is malformed (a manager needs a managerId).' },
  password_change_not_allowed: { status: 400, retryable: false, explain: 'Slack does not allow password changes through SCIM.' },
  unable_to_create_team_profile_fields: { status: 400, retryable: false, explain: 'This would create more than 50 custom profile fields in Slack: remove some fields.' },
  // lookup
  no_such_user: { status: 404, retryable: false, explain: 'Slack has no user with this ID.' },
  no_such_group: { status: 404, retryable: false, explain: 'Slack has no group with this ID.' },
  bad_endpoint: { status: 404, retryable: false, explain: 'Slack does not know this SCIM endpoint.' },
  method_not_allowed: { status: 405, retryable: false, explain: 'This method is not allowed on this SCIM endpoint.' },
  // filters [§5]
  invalid_query: { status: 400, retryable: false, explain: 'Slack refused the connector\'s search filter (an attribute, operator or value it does not support): report this to the connector\'s maintainers.' },
  incomplete_filter: { status: 400, retryable: false, explain: 'Slack found the connector\'s search filter incomplete (terms must be separated by single spaces): report this to the connector\'s maintainers.' },
  invalid_filter_group: { status: 400, retryable: false, explain: 'Slack refused the grouping in the connector\'s search filter (unbalanced or empty parentheses): report this to the connector\'s maintainers.' },
  no_filters: { status: 400, retryable: false, explain: 'The connector sent Slack an empty search filter: report this to the connector\'s maintainers.' },
  query_building_failed: { status: 400, retryable: false, explain: 'Slack could not run the connector\'s search filter: start the sync again later, and report it to the connector\'s maintainers if it keeps failing.' },
  // policy
  cannot_modify_owner: { status: 403, retryable: false, explain: 'Slack Owners cannot be changed through SCIM.' },
  cannot_disable_primary_owner: { status: 403, retryable: false, explain: 'The primary owner cannot be deactivated.' },
  cannot_make_user_guest: { status: 403, retryable: false, explain: 'Slack refused to make this user a guest: admins and owners cannot be guests, and multi-channel guests need Enterprise Grid.' },
  // groups
  too_many_users: { status: 400, retryable: false, explain: 'More than 15,000 members in one request.' },
  unable_to_add_deleted_or_guest_to_group: { status: 400, retryable: false, explain: 'Deactivated users and guests cannot be added to a group.' },
  group_creation_failed: { status: 400, retryable: false, explain: 'Slack could not create or rename the group: another Slack group, possibly a disabled one, already has this name. A group disabled in Slack cannot be re-enabled through SCIM: rename or re-enable it in Slack.' },
  group_members_create_failed: { status: 400, retryable: false, explain: 'Slack could not change the group. This happens when the group is disabled in Slack (for example after it was removed from the identity provider), which SCIM cannot undo: re-enable it in Slack, or provision it under another name.' },
  group_member_max_exceeded: { status: 400, retryable: false, explain: 'The group would have more members than Slack allows in one group.' },
  no_such_group_members: { status: 400, retryable: false, explain: 'Slack did not accept the members named for the group: check that each still exists in Slack.' },
  missing_group_id: { status: 400, retryable: false, explain: 'The request did not name a Slack group.' },
  failed_to_remove_users_for_linked_subteam: { status: 400, retryable: false, explain: 'Slack could not remove members from this group because the group is linked to something else in Slack: check the group\'s links in Slack.' },
  idp_group_linked_to_channels: { status: 400, retryable: false, explain: 'The group is linked to channels in Slack, which blocks this change: remove the channel links in Slack, then sync again.' },
  // throttling
  too_many_requests: { status: 429, retryable: true, explain: 'Slack\'s SCIM rate limit was reached; the request is retried after the delay Slack asked for.' },
  resource_locked: { status: 429, retryable: true, explain: 'Slack was still applying another change to this object; the request is retried.' },
  // server side
  internal_error: { status: 500, retryable: true, explain: 'Slack answered with a server error; the request is retried.' },
} as const satisfies Record<string, { status: number; retryable: boolean; explain: string }>;

export type SlackErrorCode = keyof typeof SLACK_ERRORS;

export function isSlackErrorCode(code: string): code is SlackErrorCode {
  return Object.hasOwn(SLACK_ERRORS, code);
}

/** Slack's descriptions may carry a parenthetical suffix ("no_filters (is_aggregate_call=1)"): keep the leading token [§6]. */
export function leadingErrorToken(detail: string): string {
  return detail.trim().split(/[\s(]/, 1)[0] ?? '';
}
