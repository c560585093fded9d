import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DirectoryUserFields } from '../core/directory';
import { EVENT_OUTCOMES, EVENT_TYPES } from '../core/events';
import type { Db } from '../db/client';
import { createConnector, getConnector, listConnectors, toView } from '../db/connectors';
import { listEvents, recordEvent } from '../db/events';
import { createUser, getUser, listUsers } from '../db/users';
import { SLACK_PLANS } from '../db/schema';
import { ScimClient } from '../scim/client';
import { ScimError } from '../scim/errors';
import { Problem, parseInput, sendProblem } from './problem';
import { requestUserSync } from './temporal';

export type ApiDeps = {
  db: Db;
  secretKey: Buffer;
  apiKey: string;
  temporal: Client;
  taskQueue: string;
};

const NewConnectorBody = z
  .object({
    label: z.string().min(1).max(128),
    description: z.string().max(1024).optional(),
    showInUserPortal: z.boolean().optional(),
    teamName: z.string().min(1).max(128),
    teamDomain: z.string().min(1).max(128),
    plan: z.enum(SLACK_PLANS).optional(),
    scimBaseUrl: z.url().optional(),
    scimToken: z.string().min(1).max(512).optional(),
    usersChooseDisplayName: z.boolean().optional(),
  })
  .refine((b) => (b.scimBaseUrl === undefined) === (b.scimToken === undefined), { message: 'scimBaseUrl and scimToken go together', path: ['scimToken'] });

const Page = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), after: z.string().optional() });
const IdParam = z.object({ id: z.string().min(1) });
const SyncParams = z.object({ connectorId: z.string().min(1), userId: z.string().min(1) });
const EventQuery = z.object({
  type: z.enum(EVENT_TYPES).optional(),
  connectorId: z.string().optional(),
  userId: z.string().optional(),
  outcome: z.enum(EVENT_OUTCOMES).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The admin HTTP API. Everything but /healthz needs `Authorization: Bearer <BINDERY_API_KEY>`. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const { db } = deps;
  const app = Fastify({ logger: false });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof Problem) return sendProblem(reply, err);
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) return sendProblem(reply, new Problem(status, 'Bad request', (err as Error).message));
    return sendProblem(reply, new Problem(500, 'Internal error', 'The server failed to handle the request; see its log.'));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new Problem(404, 'Not found', `No route ${req.method} ${req.url}`)));

  app.addHook('onRequest', async (req) => {
    if (req.url === '/healthz') return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !sameSecret(given, deps.apiKey)) throw new Problem(401, 'Unauthorized', 'Send the admin API key as "Authorization: Bearer <key>" (BINDERY_API_KEY).');
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.post('/v1/connectors', async (req, reply) => {
    const body = parseInput(NewConnectorBody, req.body, 'body');
    if (body.scimBaseUrl && body.scimToken) {
      // Activation verifies the token against Slack before accepting it (I1).
      try {
        await new ScimClient({ baseUrl: body.scimBaseUrl, token: body.scimToken }).verify();
      } catch (err) {
        const reason = err instanceof ScimError ? `${err.code}: ${err.explanation ?? err.message}` : 'Slack could not be reached';
        await recordEvent(db, { type: 'idm_integration_activate', objectType: 'connector', objectId: body.label, outcome: 'failure', errorCode: err instanceof ScimError ? err.code : 'unreachable', message: reason });
        throw new Problem(422, 'SCIM token rejected', `Slack did not accept the SCIM URL and token: ${reason}`);
      }
    }
    const connector = await createConnector(db, deps.secretKey, body);
    if (body.scimToken) {
      await recordEvent(db, { type: 'idm_integration_activate', connectorId: connector.id, objectType: 'connector', objectId: connector.id, outcome: 'success', message: 'Identity management activated; the SCIM token was verified against Slack.' });
    }
    return reply.code(201).send(connector);
  });

  app.get('/v1/connectors', async () => ({ items: await listConnectors(db) }));

  app.get('/v1/connectors/:id', async (req) => {
    const { id } = parseInput(IdParam, req.params, 'path');
    const row = await getConnector(db, id);
    if (!row) throw new Problem(404, 'Not found', `No connector ${id}`);
    return toView(row);
  });

  app.post('/v1/users', async (req, reply) => {
    const body = parseInput(DirectoryUserFields, req.body, 'body');
    try {
      return reply.code(201).send(await createUser(db, body));
    } catch (err) {
      if (isUniqueViolation(err)) throw new Problem(409, 'Conflict', `A directory user with username "${body.username}" already exists`);
      throw err;
    }
  });

  app.get('/v1/users', async (req) => {
    const page = parseInput(Page, req.query, 'query');
    const items = await listUsers(db, page);
    return { items, next: items.length === page.limit ? items.at(-1)?.id : undefined };
  });

  app.get('/v1/users/:id', async (req) => {
    const { id } = parseInput(IdParam, req.params, 'path');
    const user = await getUser(db, id);
    if (!user) throw new Problem(404, 'Not found', `No directory user ${id}`);
    return user;
  });

  app.post('/v1/connectors/:connectorId/users/:userId/sync', async (req, reply) => {
    const ref = parseInput(SyncParams, req.params, 'path');
    if (!(await getConnector(db, ref.connectorId))) throw new Problem(404, 'Not found', `No connector ${ref.connectorId}`);
    if (!(await getUser(db, ref.userId))) throw new Problem(404, 'Not found', `No directory user ${ref.userId}`);
    return reply.code(202).send(await requestUserSync(deps.temporal, deps.taskQueue, ref));
  });

  app.get('/v1/events', async (req) => {
    const q = parseInput(EventQuery, req.query, 'query');
    const items = await listEvents(db, { ...q, objectId: q.userId });
    return { items, next: items.length === q.limit ? items.at(-1)?.id : undefined };
  });

  return app;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  return code === '23505';
}
