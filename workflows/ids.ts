/** Business workflow IDs: one workflow per managed object, findable by ID in the Temporal UI. */
export const workflowIds = {
  userSync: (connectorId: string, userId: string) => `user-sync/${connectorId}/${userId}`,
  groupSync: (connectorId: string, groupId: string) => `group-sync/${connectorId}/${groupId}`,
};
