import { continueAsNew } from '@temporalio/workflow';
import type { UserSyncOutcome } from '../activities/sync';
import { objectSync, type SyncInput } from './object-sync';

export { syncRequested } from './object-sync';

export type UserSyncInput = SyncInput & { userId: string };

/** user-sync/<connectorId>/<userId>: reconciles one directory user with the connector's target. */
export async function userSync(input: UserSyncInput): Promise<UserSyncOutcome> {
  const ref = { connectorId: input.connectorId, userId: input.userId };
  return (await objectSync(input, ref, { reconcile: 'reconcileUser', giveUp: 'quarantineUser' }, () => continueAsNew<typeof userSync>(input))) as UserSyncOutcome;
}
