/** What a connector is: one list each for the values its fields take, shared by every layer. */

/** `slack`: Slack's SCIM API with its dialect and limits · `scim`: any SCIM 2.0 service provider (RFC 7643/7644). */
export const CONNECTOR_KINDS = ['slack', 'scim'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const IDM_STATUSES = ['inactive', 'active'] as const;
export type IdmStatus = (typeof IDM_STATUSES)[number];

/** Slack's plans with SCIM: multi-channel guests only on Enterprise Grid. */
export const SLACK_PLANS = ['business_plus', 'enterprise_grid'] as const;
export type SlackPlan = (typeof SLACK_PLANS)[number];

/** What a generic SCIM connector does when a user is deleted from the directory (Slack always deactivates). */
export const DEPROVISION_MODES = ['deactivate', 'delete'] as const;
export type DeprovisionMode = (typeof DEPROVISION_MODES)[number];
