/** What every SCIM resource request goes through before its handler: rate limit, write lock, faults. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SlackError } from './errors';
import type { EmulatedOrg } from './org';
import type { Resource } from './rate-limit';

export const SCIM_BASE = '/scim/v2';

export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Absolute `meta.location` of a resource, as seen by the caller. */
export function locationOf(req: FastifyRequest, path: string): string {
  return `${req.protocol}://${req.host}${SCIM_BASE}/${path}`;
}

function faultError(status: number): SlackError {
  return status === 429
    ? new SlackError('too_many_requests', { retryAfterSec: 1 })
    : new SlackError('internal_error', { status });
}

export function scimHandler(org: EmulatedOrg, resource: Resource, handler: Handler): Handler {
  return async (req, reply) => {
    const retryAfterSec = org.limiter.acquire(req.method, resource);
    if (retryAfterSec > 0) throw new SlackError('too_many_requests', { retryAfterSec });

    // Writes on one resource are serialized; the lock also spans injected latency.
    const id = (req.params as { id?: string }).id;
    let release: (() => void) | undefined;
    if (req.method !== 'GET' && id !== undefined) {
      release = org.locks.tryAcquire(`${resource.split('/')[0]}/${id}`);
      if (!release) throw new SlackError('resource_locked', { retryAfterSec: 1 });
    }
    try {
      const latencyMs = org.faults.latencyMs(req.method);
      if (latencyMs > 0) await sleep(latencyMs);
      const failStatus = org.faults.failureStatus(req.method);
      if (failStatus !== undefined) throw faultError(failStatus);
      return await handler(req, reply);
    } finally {
      release?.();
    }
  };
}
