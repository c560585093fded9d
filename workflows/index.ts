// The workflow bundle's entry point: every workflow type the worker serves.
export { breakerHold } from './breaker-hold';
export { groupSync } from './group-sync';
export { resync } from './resync';
export { userSync } from './user-sync';
