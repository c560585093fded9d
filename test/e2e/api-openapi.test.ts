import type { Client } from '@temporalio/client';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app';
import type { Db } from '../../db/client';

type Operation = {
  summary?: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; security: unknown[]; components: { securitySchemes: Record<string, unknown> } };

// Nothing here touches the database or Temporal: routes are only registered and the document generated.
const api = buildApi({ db: {} as Db, secretKey: Buffer.alloc(32), apiKey: 'test-key', temporal: {} as Client, taskQueue: 'unused' });
const routes: RouteOptions[] = [];
api.addHook('onRoute', (route) => {
  // Hidden routes are not the admin API: the user portal's pages and the IdP's browser endpoints.
  if (!(route.schema as { hide?: boolean } | undefined)?.hide) routes.push(route);
});
let doc: Document;

beforeAll(async () => {
  await api.ready();
  const res = await api.inject({ method: 'GET', url: '/openapi.json' }); // no key: the document is public
  expect(res.statusCode).toBe(200);
  doc = res.json<Document>();
});
afterAll(() => api.close());

/** `/v1/users/:id` → `/v1/users/{id}` */
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
const methods = (r: RouteOptions) => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD').map((m) => m.toLowerCase());

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3 document with the bearer security scheme required by default', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('documents every registered route, with its request schema', () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      for (const method of methods(route)) {
        const name = `${method.toUpperCase()} ${route.url}`;
        const op = doc.paths[openApiPath(route.url)]?.[method];
        expect(op, name).toBeDefined();
        expect(op!.summary, name).toBeTruthy();
        const schema = (route.schema ?? {}) as Record<string, unknown>;
        if (schema.body) expect(op!.requestBody?.content['application/json']?.schema, `${name} body`).toBeDefined();
        for (const param of route.url.match(/:([A-Za-z]+)/g) ?? []) {
          expect(op!.parameters, `${name} ${param}`).toContainEqual(expect.objectContaining({ in: 'path', name: param.slice(1), required: true }));
        }
        if (schema.querystring) expect(op!.parameters?.some((p) => p.in === 'query'), `${name} query`).toBe(true);
      }
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const registered = routes.flatMap((r) => methods(r).map((m) => `${m} ${openApiPath(r.url)}`));
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('marks only /healthz and /openapi.json as public, and every public route answers without the key', async () => {
    const publicOps = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => Array.isArray(op.security) && op.security.length === 0).map(([m]) => `${m} ${path}`));
    expect(publicOps.sort()).toEqual(['get /healthz', 'get /openapi.json']);
    for (const route of routes) {
      for (const method of methods(route)) {
        const res = await api.inject({ method: method.toUpperCase() as 'GET', url: route.url.replace(/:([A-Za-z]+)/g, 'x') });
        const name = `${method} ${openApiPath(route.url)}`;
        expect(res.statusCode, name).toBe(publicOps.includes(name) ? 200 : 401);
      }
    }
  });

  it('carries the request schemas generated from the zod schemas', () => {
    const createUser = doc.paths['/v1/users']!.post!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(createUser.properties)).toEqual(expect.arrayContaining(['username', 'email', 'firstName', 'phoneNumbers', 'addresses', 'employeeIdentifier', 'company']));
    expect(createUser.required).toEqual(expect.arrayContaining(['username', 'email']));
    const patchUser = doc.paths['/v1/users/{id}']!.patch!.requestBody!.content['application/json']!.schema as { required?: string[]; additionalProperties?: boolean };
    expect(patchUser.required ?? []).toEqual([]);
    expect(patchUser.additionalProperties).toBe(false);
    const events = doc.paths['/v1/events']!.get!.parameters!.map((p) => p.name);
    expect(events).toEqual(expect.arrayContaining(['type', 'connectorId', 'userId', 'outcome', 'since', 'until', 'before', 'limit']));
  });
});
