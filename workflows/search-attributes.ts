import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SYNC_KINDS, type SyncKind } from '../core/sync-kinds';

/**
 * Custom search attributes set on every workflow, so an admin can filter the Temporal UI by connector,
 * directory user or group, or operation. They hold IDs only. Registered on the server by the dev-server
 * starter (npm start, tests) and by the compose stack's admin job.
 */
export const SEARCH_ATTRIBUTES = {
  connectorId: defineSearchAttributeKey('BinderyConnectorId', SearchAttributeType.KEYWORD),
  userId: defineSearchAttributeKey(SYNC_KINDS.user.objectSearchAttribute, SearchAttributeType.KEYWORD),
  groupId: defineSearchAttributeKey(SYNC_KINDS.group.objectSearchAttribute, SearchAttributeType.KEYWORD),
  operation: defineSearchAttributeKey('BinderyOperation', SearchAttributeType.KEYWORD),
};

/** The search attribute naming a workflow's object, when its kind has one. */
export function objectSearchAttribute(kind: SyncKind) {
  const name = SYNC_KINDS[kind].objectSearchAttribute;
  return name ? defineSearchAttributeKey(name, SearchAttributeType.KEYWORD) : undefined;
}

export const ALL_SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTES);
