import { Context } from '@temporalio/activity';
import type { Db } from '../db/client';
import { ScimClient, type ScimClientOptions } from '../scim/client';

/** Waits until a SCIM request may be sent without exceeding Slack's limits (db/governor.ts). */
export type RateGovernor = { acquire(orgKey: string, method: string, resource: string, signal?: AbortSignal): Promise<void> };

/** What activities need from the outside world, injected once when the worker starts. */
export type ActivityDeps = {
  db: Db;
  /** Key that decrypts SCIM tokens at rest. */
  secretKey: Buffer;
  /** Shared across workers through the database; absent means no proactive limiting. */
  governor?: RateGovernor;
  /** Builds the SCIM client for a connector; replaceable so a test can point at another server. */
  scimClient?: (options: ScimClientOptions) => ScimClient;
};

/**
 * The SCIM client for one connector, paced by the governor under the connector's Slack org: two
 * connectors to the same org (same Slack domain) share one budget, as Slack's limits are org-wide.
 */
export function scimClientFor(deps: ActivityDeps, creds: { baseUrl: string; token: string }, orgKey: string): ScimClient {
  const make = deps.scimClient ?? ((o: ScimClientOptions) => new ScimClient(o));
  const { governor } = deps;
  const ctx = Context.current();
  return make({
    ...creds,
    beforeRequest: async (method, resource) => {
      ctx.heartbeat(); // proves the worker alive: a killed worker's activity is retried within the heartbeat timeout
      if (governor) await whileHeartbeating(ctx, governor.acquire(orgKey, method, resource, ctx.cancellationSignal));
    },
  });
}

/** Waiting for the governor can outlast the heartbeat timeout: keep beating meanwhile. */
async function whileHeartbeating<T>(ctx: Context, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => ctx.heartbeat(), 5_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Slack's limits apply per organisation; the connector's Slack domain names it. */
export function slackOrgKey(connector: { teamDomain: string }): string {
  return connector.teamDomain.trim().toLowerCase();
}
