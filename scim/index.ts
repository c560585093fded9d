export { ScimClient, scimString, rateLimitResource, type ScimClientOptions, type ListUsersOptions, type ListGroupsOptions, type NewGroup, type Method } from './client';
export {
  ScimError,
  classify,
  errorCode,
  explain,
  retryAfterMs,
  DEFAULT_RETRY_AFTER_MS,
  type Classification,
  type Failure,
  type HeaderBag,
} from './errors';
