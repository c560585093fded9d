import type { EngineDeps } from '../engine/session';
import { createHoldActivities } from './holds';
import { createImportActivities } from './imports';
import { createResyncActivities } from './resync';
import { createSsoBindActivities } from './sso-bind';
import { createSyncActivities } from './sync';

export type { EngineDeps as ActivityDeps } from '../engine/session';

/** Every activity the worker registers, built once from its dependencies. */
export function createActivities(deps: EngineDeps) {
  return { ...createSyncActivities(deps), ...createHoldActivities(deps), ...createResyncActivities(deps), ...createSsoBindActivities(deps), ...createImportActivities(deps) };
}
export type Activities = ReturnType<typeof createActivities>;
