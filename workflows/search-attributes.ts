import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes set on every workflow, so an admin can filter the Temporal UI by
 * connector, directory user or operation. They hold IDs only. Registered on the server by the
 * dev-server starter (npm start, tests) and by scripts/setup.sh for a standalone server.
 */
export const SEARCH_ATTRIBUTES = {
  connectorId: defineSearchAttributeKey('BinderyConnectorId', SearchAttributeType.KEYWORD),
  userId: defineSearchAttributeKey('BinderyUserId', SearchAttributeType.KEYWORD),
  groupId: defineSearchAttributeKey('BinderyGroupId', SearchAttributeType.KEYWORD),
  operation: defineSearchAttributeKey('BinderyOperation', SearchAttributeType.KEYWORD),
};

export const ALL_SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTES);
