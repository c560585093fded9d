export { ScimClient, scimString, type ScimClientOptions, type ListUsersOptions } from './client';
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
