// The workflow bundle's entry point: every workflow type the worker serves.
export { groupSync } from './group-sync';
export { userSync } from './user-sync';
