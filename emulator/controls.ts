/** Test-only controls under /_emulator (same bearer token as the SCIM API). Not part of Slack. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { LIMITS, SCHEMAS } from '../targets/slack/facts';
import { faultSchema } from './faults';
import type { EmulatedOrg } from './org';
import { renderGroup } from './routes-groups';

export const CONTROL_BASE = '/_emulator';

const channelSchema = z.strictObject({ name: z.string().trim().min(1).max(80) });
const rateLimitSchema = z.strictObject({ enabled: z.boolean(), scale: z.number().positive().max(1000).optional() });
const profileFieldsSchema = z.strictObject({ count: z.number().int().min(0).max(LIMITS.customProfileFieldsMax) });
const planSchema = z.strictObject({ plan: z.enum(['business_plus', 'enterprise_grid']) });
const slackManagedSchema = z.strictObject({ displayName: z.string().trim().min(1), members: z.array(z.string().min(1)).optional() });
const bulkUsersSchema = z.strictObject({
  count: z.number().int().min(1).max(50_000),
  /** Each with a full profile (names, title, phones, address, enterprise fields), as people imported from Slack have. */
  detailed: z.boolean().optional(),
});

/** A full profile for bulk user `n`: every attribute the seed's mapping table reads back. */
function detailedProfile(n: number) {
  return {
    schemas: [SCHEMAS.user, SCHEMAS.enterprise],
    name: { givenName: `Given${n}`, familyName: `Family${n}` },
    title: `Title ${n % 50}`,
    phoneNumbers: [{ value: `+1555${String(n).padStart(7, '0')}`, type: 'mobile', primary: true }],
    addresses: [{ streetAddress: `${n} Main St`, locality: 'Springfield', region: 'IL', postalCode: '62701', country: 'US', primary: true }],
    [SCHEMAS.enterprise]: { employeeNumber: `E${n}`, department: `Dept ${n % 20}`, organization: 'Bulk Inc' },
  };
}

/** Parses a control body, or answers 400 with a readable message and returns undefined. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, reply: FastifyReply): z.output<S> | undefined {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  void reply.code(400).send({ error: 'invalid_control_body', message: z.prettifyError(result.error) });
  return undefined;
}

/** `onReset`: what else the org holds beside SCIM (the SAML service provider) is reset with it. */
export function registerControls(app: FastifyInstance, org: EmulatedOrg, onReset: () => void = () => {}): void {
  let bulkSeq = 0;
  app.post(`${CONTROL_BASE}/reset`, async () => {
    org.reset();
    onReset();
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

  app.post(`${CONTROL_BASE}/plan`, async (req, reply) => {
    const body = parseBody(planSchema, req.body, reply);
    if (!body) return reply;
    org.store.plan = body.plan;
    return { plan: org.store.plan };
  });

  // A group Slack generated itself ("Team Admins"): SCIM reads it but any write is refused.
  app.post(`${CONTROL_BASE}/groups/slack-managed`, async (req, reply) => {
    const body = parseBody(slackManagedSchema, req.body, reply);
    if (!body) return reply;
    const group = org.groups.createSlackManaged(body.displayName, body.members ?? []);
    return reply.code(201).send(renderGroup(org, req, group));
  });

  // Slack disables a group its IdP removed; SCIM has no way to enable it again.
  app.post(`${CONTROL_BASE}/groups/:id/disable`, async (req) => {
    return renderGroup(org, req, org.groups.disable((req.params as { id: string }).id));
  });

  // Many active members at once, without the SCIM rate limits (e.g. for 15,000-member groups).
  app.post(`${CONTROL_BASE}/users/bulk`, async (req, reply) => {
    const body = parseBody(bulkUsersSchema, req.body, reply);
    if (!body) return reply;
    const ids: string[] = [];
    while (ids.length < body.count) {
      bulkSeq += 1;
      const userName = `bulk${bulkSeq}`;
      const email = `${userName}@bulk.example.com`;
      if (org.store.userIdByName(userName) || org.store.hasChannel(userName) || org.store.userIdByEmail(email)) continue;
      const profile = body.detailed ? detailedProfile(bulkSeq) : { schemas: [SCHEMAS.user] };
      ids.push(org.users.create({ ...profile, userName, emails: [{ value: email, primary: true }] }).id);
    }
    return reply.code(201).send({ ids });
  });
}
