/**
 * Directory Insights event types (the seed's "SCIM Directory Insights Events"): the one list the
 * database, the API's filters and the activities share.
 */
export const EVENT_TYPES = [
  'idm_integration_activate',
  'idm_integration_update',
  'idm_integration_reauth',
  'idm_integration_delete',
  'user_create_provision',
  'user_update_provision',
  'user_deprovision',
  'user_delete_provision',
  'user_lookup_provision',
  'group_create_provision',
  'group_update_provision',
  'group_delete_provision',
  // Bindery's own, beyond the seed: the circuit breaker and the scheduled resync.
  'deactivation_held',
  'deactivation_approved',
  'deactivation_rejected',
  'resync_completed',
  // The SSO bind window (B1, B2): the email, the first launch, the expiry, and a window ended early.
  'sso_bind_sent',
  'sso_bind_bound',
  'sso_bind_expired',
  'sso_bind_withdrawn',
  // Imports from the target (M1–M2): one per directory user an import created, and one per finished import.
  'user_import',
  'import_completed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_OUTCOMES = ['success', 'failure'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];
