// The workflow bundle's entry point: every workflow type the worker serves.
export { breakerHold } from './breaker-hold';
export { bulkUserSync } from './bulk-sync';
export { groupSync } from './group-sync';
export { importUsers } from './import';
export { resync } from './resync';
export { ssoBind } from './sso-bind';
export { userSync } from './user-sync';
