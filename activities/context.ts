import type { Db } from '../db/client';
import { ScimClient } from '../scim/client';

/** What activities need from the outside world, injected once when the worker starts. */
export type ActivityDeps = {
  db: Db;
  /** Key that decrypts SCIM tokens at rest. */
  secretKey: Buffer;
  /** Builds the SCIM client for a connector; replaceable so a test can point at another server. */
  scimClient?: (creds: { baseUrl: string; token: string }) => ScimClient;
};

export function scimClientFactory(deps: ActivityDeps): (creds: { baseUrl: string; token: string }) => ScimClient {
  return deps.scimClient ?? ((creds) => new ScimClient(creds));
}
