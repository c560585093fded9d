/**
 * What a generic SCIM 2.0 service provider says it supports (RFC 7643 §5–§6: /ServiceProviderConfig,
 * /ResourceTypes, /Schemas), discovered when identity management is activated and stored with the
 * connector. Slack's target does not use it: its dialect is fixed (targets/slack).
 */
export type RemoteConfig = {
  /** PATCH is supported (else changes go as PUT of the whole resource). */
  patch: boolean;
  filter: { supported: boolean; maxResults: number };
  /** ETags are offered: writes carry If-Match with the version last read. */
  etag: boolean;
  /** A Group resource type exists: groups and memberships can be managed. */
  groups: boolean;
  /** The enterprise user extension is declared for the User resource type. */
  enterpriseUser: boolean;
  /** Attributes of the User schema the provider declares (lowercased names of the core schema's attributes). */
  userAttributes: string[];
  discoveredAt: string;
};
