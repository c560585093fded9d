import { randomUUID, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { hasNul, NUL_MESSAGE } from '../core/text';
import { DomainError } from '../services/context';
import { type ApiDeps, type App, doc } from './context';
import { domainProblem, Problem, sendProblem, surfaceOf, validationProblem } from './problem';
import { bindingRoutes } from './routes/bindings';
import { connectorRoutes } from './routes/connectors';
import { eventRoutes } from './routes/events';
import { groupRoutes } from './routes/groups';
import { holdRoutes } from './routes/holds';
import { runRoutes } from './routes/runs';
import { idmRoutes } from './routes/idm';
import { importRoutes } from './routes/imports';
import { ssoRoutes } from './routes/sso';
import { ssoBindRoutes } from './routes/sso-binds';
import { portalRoutes } from '../portal/routes';
import { userRoutes } from './routes/users';
import { Health, responses } from './schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without the API key. */
    public?: boolean;
  }
}

/** Request bodies above this size are refused with 413 (a user with every attribute is a few KiB). */
const BODY_LIMIT = 1024 * 1024;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return (e.code ?? e.cause?.code) === '23505';
}

/** The first string holding NUL in a request part (keys included), as a field path; undefined when none. */
function nulField(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return hasNul(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (hasNul(key)) return at;
    const found = nulField(inner, at);
    if (found) return found;
  }
  return undefined;
}

/** What a 500 leaves in the log: the request ID, the route, the error's kind and where it came from; never the request's data. */
function failureRecord(req: FastifyRequest, err: unknown) {
  const e = err as { name?: string; code?: string; stack?: string; cause?: { code?: string } };
  return {
    requestId: req.id,
    method: req.method,
    route: req.routeOptions.url ?? '(unmatched)',
    error: e?.name ?? typeof err,
    code: e?.code ?? e?.cause?.code,
    // The stack without its first line, which repeats the message (it may quote values).
    at: e?.stack?.split('\n').slice(1, 6).map((l) => l.trim()),
  };
}

type OpenApiDocument = {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { anyOf?: Array<{ type?: unknown }> } }> }; responses?: Record<string, { content?: Record<string, unknown> }> }>>;
};

/**
 * What the OpenAPI plugin cannot say from the route schemas alone: a body schema that accepts null (no body
 * at all) is an optional request body (the plugin marks every body required), and errors are
 * application/problem+json (the plugin names every answer application/json).
 */
function finishDocument<D extends OpenApiDocument>(document: D): D {
  for (const ops of Object.values(document.paths ?? {})) {
    for (const op of Object.values(ops)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (op.requestBody && schema?.anyOf?.some((s) => s.type === 'null')) op.requestBody.required = false;
      for (const [status, answer] of Object.entries(op.responses ?? {})) {
        if (Number(status) >= 400 && answer.content?.['application/json']) {
          answer.content = { 'application/problem+json': answer.content['application/json'] };
        }
      }
    }
  }
  return document;
}

/**
 * The admin HTTP API. Every route but /healthz and /openapi.json needs `Authorization: Bearer <BINDERY_API_KEY>`.
 * Request bodies, parameters, queries and responses are zod schemas: they validate, and generate /openapi.json.
 * Routes are thin: the rules live in services/.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const logger = deps.logger && 'info' in deps.logger ? { loggerInstance: deps.logger } : { logger: deps.logger ?? false };
  const app = Fastify({
    ...logger,
    // No access log: 5xx are logged by the error handler, with the request ID and no personal data.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT,
    // Long IDs reach validation, which answers 400 naming the parameter (Fastify's own limit answers 414).
    routerOptions: { maxParamLength: 2048 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // An empty body sent as JSON (what `curl -H 'Content-Type: application/json'` without data sends) is no body.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return json(req, body as string, done);
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof Problem) return sendProblem(reply, err);
    if (err instanceof DomainError) return sendProblem(reply, domainProblem(err, surfaceOf(req)));
    if (hasZodFastifySchemaValidationErrors(err)) {
      const part = err.validationContext as string | undefined;
      const schema = part ? (req.routeOptions.schema as Record<string, unknown> | undefined)?.[part] : undefined;
      return sendProblem(reply, validationProblem(part, err.validation, schema));
    }
    if (isUniqueViolation(err)) return sendProblem(reply, new Problem(409, 'Conflict', 'The change collided with another one made at the same moment; repeat the request.'));
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return sendProblem(reply, new Problem(status, 'Bad request', (err as Error).message));
    req.log.error(failureRecord(req, err), 'request failed');
    return sendProblem(reply, new Problem(500, 'Internal error', `The server failed to handle the request; its log has the details under request ID ${req.id}.`));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new Problem(404, 'Not found', `No route ${req.method} ${req.url.split('?')[0]}`)));

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? ''); // the scheme is case-insensitive (RFC 7235)
    const given = match?.[1]?.trim() ?? '';
    if (!given || !sameSecret(given, deps.apiKey)) throw new Problem(401, 'Unauthorized', 'Send the admin API key as "Authorization: Bearer <key>" (BINDERY_API_KEY).');
  });

  // PostgreSQL cannot store NUL: refused for every route, naming the field, before any schema or query sees it.
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
      const field = nulField(value, '');
      if (field !== undefined) throw new Problem(400, 'Invalid request', `${part}: ${field || part}: ${NUL_MESSAGE}`, { issues: [{ field: field || part, message: NUL_MESSAGE }] });
    }
  });

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bindery admin API', version: '1', description: 'Keeps Slack (or any SCIM 2.0 service provider) in step with the directory. Errors are RFC 7807 application/problem+json with the request ID.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the admin API key (BINDERY_API_KEY)' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => finishDocument(('openapiObject' in documentObject ? documentObject.openapiObject : {}) as OpenApiDocument),
  });

  // Routes are registered after the OpenAPI plugin, which records each one as it is added.
  app.register(async (scope) => {
    const routes = scope.withTypeProvider<ZodTypeProvider>() as App;
    const meta = { ...doc('meta', ''), security: [] };
    routes.get('/healthz', { config: { public: true }, schema: { ...meta, summary: 'liveness', response: responses({ 200: Health }, [], { public: true }) } }, async () => ({ ok: true as const }));
    routes.get('/openapi.json', { config: { public: true }, schema: { ...meta, summary: 'this OpenAPI document', hide: false } }, async () => app.swagger());
    userRoutes(routes, deps);
    groupRoutes(routes, deps);
    connectorRoutes(routes, deps);
    bindingRoutes(routes, deps);
    idmRoutes(routes, deps);
    ssoRoutes(routes, deps);
    ssoBindRoutes(routes, deps);
    holdRoutes(routes, deps);
    runRoutes(routes, deps);
    importRoutes(routes, deps);
    eventRoutes(routes, deps);
    portalRoutes(scope, deps); // the user portal and the IdP's browser endpoints: public, hidden from the OpenAPI document
  });

  return app as unknown as FastifyInstance;
}
