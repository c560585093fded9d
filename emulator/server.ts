/**
 * Slack SCIM v2 emulator: a fastify server answering like Slack's SCIM API under /scim/v2, with
 * test controls under /_emulator. One instance is one Slack org.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { CONTROL_BASE, registerControls } from './controls';
import { SlackError, errorBody } from './errors';
import { EmulatedOrg } from './org';
import { SCIM_BASE } from './pipeline';
import type { RateLimitSetting } from './rate-limit';
import { registerDiscoveryRoutes, PUBLIC_ROUTES } from './routes-discovery';
import { registerGroupRoutes } from './routes-groups';
import { registerUserRoutes } from './routes-users';
import { registerSamlServiceProvider, SAML_ROUTES, SamlServiceProvider } from './saml-sp';

export interface EmulatorOptions {
  token: string;
  /** Default: on at scale 1 (Slack's real limits). */
  rateLimits?: RateLimitSetting;
}

export interface RunningEmulator {
  origin: string;
  /** origin + '/scim/v2' */
  baseUrl: string;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

function hasToken(req: FastifyRequest, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const sent = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/** The methods a SCIM endpoint may be called with; those it does not serve answer 405. */
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Slack answers a known endpoint called with a method it does not serve with 405 `method_not_allowed`
 * (an unknown path stays 404 `bad_endpoint`). Registered after every SCIM route, for their paths.
 */
function answerUnsupportedMethods(app: FastifyInstance, paths: Iterable<string>): void {
  for (const url of [...paths]) {
    const allowed = HTTP_METHODS.filter((method) => app.hasRoute({ url, method }));
    const refused = HTTP_METHODS.filter((method) => !allowed.includes(method));
    app.route({
      method: refused,
      url,
      handler: async (_req, reply) => reply.code(405).header('allow', allowed.join(', ')).send(errorBody('method_not_allowed', 405)),
    });
  }
}

/** Builds the fastify app without listening (also usable with app.inject). */
export function buildEmulator(opts: EmulatorOptions): FastifyInstance {
  if (!opts.token) throw new Error('the emulator needs a bearer token');
  const org = new EmulatedOrg(opts.token, opts.rateLimits ?? { enabled: true, scale: 1 });
  // A 15,000-member group request with display names is about 1 MB: Slack's member limit, not a body
  // size limit, is what refuses large group requests.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });

  // SCIM clients send application/scim+json too; an empty body (e.g. on DELETE) is no body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new SlackError('invalid_request_payload', { message: 'body is not JSON' }), undefined);
    }
  });

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url !== undefined && (PUBLIC_ROUTES.has(req.routeOptions.url) || SAML_ROUTES.has(req.routeOptions.url))) return;
    if (!hasToken(req, org.token)) throw new SlackError('invalid_authentication');
  });

  // Counted in onSend rather than onResponse so a stats read right after a response sees it.
  app.addHook('onSend', async (req, reply) => {
    const url = req.routeOptions.url;
    if (url?.startsWith(CONTROL_BASE) || (url !== undefined && SAML_ROUTES.has(url))) return;
    const endpoint = url?.startsWith(SCIM_BASE) ? url.slice(SCIM_BASE.length) : '(unknown)';
    org.stats.record(`${req.method} ${endpoint}`, reply.statusCode);
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof SlackError) {
      if (err.retryAfterSec !== undefined) void reply.header('retry-after', String(err.retryAfterSec));
      return reply.code(err.status).send(errorBody(err.code, err.status));
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(400).send(errorBody('invalid_request_payload', 400));
    }
    console.error('emulator: unexpected error', err);
    return reply.code(500).send(errorBody('internal_error', 500));
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('bad_endpoint', 404)));

  const scimPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(SCIM_BASE)) scimPaths.add(route.url);
  });
  registerDiscoveryRoutes(app, org);
  registerUserRoutes(app, org);
  registerGroupRoutes(app, org);
  answerUnsupportedMethods(app, scimPaths);
  const saml = new SamlServiceProvider(org);
  registerControls(app, org, () => saml.reset());
  registerSamlServiceProvider(app, saml);
  return app;
}

export async function startEmulator(opts: EmulatorOptions & { port?: number; host?: string }): Promise<RunningEmulator> {
  const app = buildEmulator(opts);
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { origin, baseUrl: `${origin}${SCIM_BASE}`, close: () => app.close() };
}
