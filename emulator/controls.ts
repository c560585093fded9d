/** Test-only controls under /_emulator (same bearer token as the SCIM API). Not part of Slack. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { LIMITS } from '../core/slack';
import { faultSchema } from './faults';
import type { EmulatedOrg } from './org';

export const CONTROL_BASE = '/_emulator';

const channelSchema = z.strictObject({ name: z.string().trim().min(1).max(80) });
const rateLimitSchema = z.strictObject({ enabled: z.boolean(), scale: z.number().positive().max(1000).optional() });
const profileFieldsSchema = z.strictObject({ count: z.number().int().min(0).max(LIMITS.customProfileFieldsMax) });

/** Parses a control body, or answers 400 with a readable message and returns undefined. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, reply: FastifyReply): z.output<S> | undefined {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  void reply.code(400).send({ error: 'invalid_control_body', message: z.prettifyError(result.error) });
  return undefined;
}

export function registerControls(app: FastifyInstance, org: EmulatedOrg): void {
  app.post(`${CONTROL_BASE}/reset`, async () => {
    org.reset();
    return { ok: true };
  });

  app.post(`${CONTROL_BASE}/channels`, async (req, reply) => {
    const body = parseBody(channelSchema, req.body, reply);
    if (!body) return reply;
    org.store.channels.add(body.name.toLowerCase());
    return reply.code(201).send({ name: body.name.toLowerCase() });
  });

  app.post(`${CONTROL_BASE}/faults`, async (req, reply) => {
    const body = parseBody(faultSchema, req.body, reply);
    if (!body) return reply;
    org.faults.set(body);
    return { faults: org.faults.current ?? null };
  });

  app.get(`${CONTROL_BASE}/stats`, async () => org.stats.snapshot());

  app.post(`${CONTROL_BASE}/rate-limits`, async (req, reply) => {
    const body = parseBody(rateLimitSchema, req.body, reply);
    if (!body) return reply;
    org.limiter.configure(body);
    return { rateLimits: org.limiter.current };
  });

  app.post(`${CONTROL_BASE}/profile-fields`, async (req, reply) => {
    const body = parseBody(profileFieldsSchema, req.body, reply);
    if (!body) return reply;
    org.store.presetProfileFieldCount = body.count;
    return { presetCount: body.count, total: org.store.customFieldCount() };
  });
}
