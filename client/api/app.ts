import { timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Problem, sendProblem, validationProblem } from '../problem';
import { connectorRoutes } from './connectors';
import { type ApiDeps, type App, doc } from './deps';
import { eventRoutes } from './events';
import { groupRoutes } from './groups';
import { idmRoutes } from './idm';
import { lifecycleRoutes } from './lifecycle';
import { userRoutes } from './users';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without the API key. */
    public?: boolean;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return (e.code ?? e.cause?.code) === '23505';
}

type OpenApiDocument = { paths?: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { anyOf?: Array<{ type?: unknown }> } }> } }>> };

/** A body schema that accepts null (no body at all) is an optional request body; the plugin marks every body required. */
function optionalBodies<D extends OpenApiDocument>(doc: D): D {
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (op.requestBody && schema?.anyOf?.some((s) => s.type === 'null')) op.requestBody.required = false;
    }
  }
  return doc;
}

/**
 * The admin HTTP API. Every route but /healthz and /openapi.json needs `Authorization: Bearer <BINDERY_API_KEY>`.
 * Request bodies, parameters and queries are zod schemas: they validate requests and generate /openapi.json.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof Problem) return sendProblem(reply, err);
    if (hasZodFastifySchemaValidationErrors(err)) return sendProblem(reply, validationProblem(err.validationContext, err.validation));
    if (isUniqueViolation(err)) return sendProblem(reply, new Problem(409, 'Conflict', 'The change collided with another one made at the same moment; repeat the request.'));
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) return sendProblem(reply, new Problem(status, 'Bad request', (err as Error).message));
    return sendProblem(reply, new Problem(500, 'Internal error', 'The server failed to handle the request; see its log.'));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new Problem(404, 'Not found', `No route ${req.method} ${req.url}`)));

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !sameSecret(given, deps.apiKey)) throw new Problem(401, 'Unauthorized', 'Send the admin API key as "Authorization: Bearer <key>" (BINDERY_API_KEY).');
  });

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bindery admin API', version: '1', description: 'Keeps Slack in step with the directory. Errors are RFC 7807 application/problem+json.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the admin API key (BINDERY_API_KEY)' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => optionalBodies(('openapiObject' in documentObject ? documentObject.openapiObject : {}) as OpenApiDocument),
  });

  // Routes are registered after the OpenAPI plugin, which records each one as it is added.
  app.register(async (scope) => {
    const routes = scope.withTypeProvider<ZodTypeProvider>() as App;
    routes.get('/healthz', { config: { public: true }, schema: { ...doc('meta', 'liveness'), security: [] } }, async () => ({ ok: true }));
    routes.get('/openapi.json', { config: { public: true }, schema: { ...doc('meta', 'this OpenAPI document'), security: [] } }, async () => app.swagger());
    userRoutes(routes, deps);
    groupRoutes(routes, deps);
    connectorRoutes(routes, deps);
    idmRoutes(routes, deps);
    lifecycleRoutes(routes, deps);
    eventRoutes(routes, deps);
  });

  return app as unknown as FastifyInstance;
}
