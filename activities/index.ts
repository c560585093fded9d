import type { ActivityDeps } from './context';
import { createGroupSyncActivities } from './group-sync';
import { createUserSyncActivities } from './user-sync';

export type { ActivityDeps } from './context';

/** Every activity the worker registers, built once from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createUserSyncActivities(deps), ...createGroupSyncActivities(deps) };
}
export type Activities = ReturnType<typeof createActivities>;
