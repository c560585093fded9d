/** The admin HTTP API: routes live in client/api/. */
export { buildApi } from './api/app';
export type { ApiDeps } from './api/deps';
