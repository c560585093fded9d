import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type AccessPolicy, decideAccess } from './access';
import { PayloadsJson, payloadsFromJson, payloadsToJson } from './payloads-json';

/**
 * The codec server (Temporal's remote codec protocol): `POST …/decode` and `POST …/encode` take and give
 * `{"payloads": [...]}` in protobuf JSON, so the Temporal Web UI and the Temporal CLI show Bindery's
 * encrypted payloads decoded to an operator (codec/access.ts says who). Only the last path segment
 * matters, so it can be mounted under any prefix. CORS for the allowed Web UI origins, preflight included:
 * the UI sends `Content-Type: application/json` and `X-Namespace`, and `Authorization` when told to pass
 * its access token; with "include credentials" it needs Access-Control-Allow-Credentials.
 */
export type CodecServerOptions = AccessPolicy & { codec: PayloadCodec; logger?: FastifyBaseLogger };

/** Histories hold many payloads of up to 2 MiB each; the UI sends one event's at a time. */
const BODY_LIMIT = 8 * 1024 * 1024;
const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

function problem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title, status, detail });
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function accessOf(opts: AccessPolicy, req: FastifyRequest) {
  return decideAccess(opts, { authorization: headerOf(req, 'authorization'), origin: headerOf(req, 'origin'), namespace: headerOf(req, 'x-namespace') });
}

/** `/decode`, `/codec/decode`, `/anything/encode` → the operation; anything else → undefined. */
function operationOf(url: string): 'encode' | 'decode' | undefined {
  const last = url.split('?')[0]!.replace(/\/+$/, '').split('/').at(-1);
  return last === 'encode' || last === 'decode' ? last : undefined;
}

export function buildCodecServer(opts: CodecServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }), // requests carry payloads: not logged
  });

  app.addHook('onRequest', async (req, reply) => {
    const origin = headerOf(req, 'origin');
    if (origin !== undefined && opts.allowOrigins.includes(origin)) {
      reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true');
    }
    reply.header('vary', 'Origin');
  });

  app.get('/healthz', async () => ({ ok: true }));

  // The browser's preflight carries no credentials by design; it is answered for allowed origins only.
  app.options('/*', async (req, reply) => {
    const origin = headerOf(req, 'origin');
    if (!operationOf(req.url)) return problem(reply, 404, 'Not found', 'The codec server answers …/encode and …/decode.');
    if (origin === undefined || !opts.allowOrigins.includes(origin)) {
      return problem(reply, 403, 'Forbidden', `The origin ${JSON.stringify((origin ?? '(none)').slice(0, 200))} is not allowed: add the Temporal Web UI's origin to BINDERY_CODEC_ALLOW_ORIGINS.`);
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  });

  app.post('/*', async (req, reply) => {
    const operation = operationOf(req.url);
    if (!operation) return problem(reply, 404, 'Not found', 'The codec server answers POST …/encode and POST …/decode.');
    const access = accessOf(opts, req);
    if (!access.allowed) return problem(reply, access.status, access.status === 401 ? 'Unauthorized' : 'Forbidden', access.detail);
    const body = PayloadsJson.safeParse(req.body ?? {});
    if (!body.success) {
      const issue = body.error.issues[0];
      return problem(reply, 400, 'Invalid request', `body: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}; send {"payloads": [{"metadata": {...}, "data": "<base64>"}]}`);
    }
    try {
      const payloads = payloadsFromJson(body.data);
      const converted = operation === 'decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
      return reply.type('application/json').send(payloadsToJson(converted));
    } catch (err) {
      return problem(reply, 400, 'Cannot decode', err instanceof Error ? err.message : String(err));
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) reply.log.error({ err }, 'codec server failed');
    return problem(reply, status, status >= 500 ? 'Internal error' : 'Bad request', status >= 500 ? 'The codec server failed; its log has the details.' : (err as Error).message);
  });
  return app;
}

export type RunningCodecServer = { url: string; close(): Promise<void> };

/** Starts the codec server; its `url` is the endpoint to give the Web UI (`--ui-codec-endpoint`, TEMPORAL_CODEC_ENDPOINT). */
export async function startCodecServer(opts: CodecServerOptions & { host: string; port: number }): Promise<RunningCodecServer> {
  const app = buildCodecServer(opts);
  await app.listen({ host: opts.host, port: opts.port }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE' ? new Error(`the codec server's port ${opts.host}:${opts.port} is in use: set BINDERY_CODEC_PORT to a free port`) : err;
  });
  const { port } = app.server.address() as { port: number };
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close: () => app.close() };
}
