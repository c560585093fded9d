import type { FastifyReply, FastifyRequest } from 'fastify';
import leven from 'leven';
import { z } from 'zod';
import { DomainError, type DomainErrorKind, type Surface } from '../services/context';

/** RFC 7807 problem details: every API error is one of these, with a message a person can act on. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const ProblemBody = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  requestId: z.string().describe('the request’s ID, also in the server’s log'),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('400: each bad field'),
});

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: p.title, status: p.status, detail: p.detail, ...p.extra, requestId: reply.request.id });
}

/** The CLI says it is the CLI, so remedies name commands instead of routes. */
export function surfaceOf(req: FastifyRequest): Surface {
  return req.headers['x-bindery-client'] === 'cli' ? 'cli' : 'api';
}

const DOMAIN_STATUS: Record<DomainErrorKind, [number, string]> = {
  not_found: [404, 'Not found'],
  conflict: [409, 'Conflict'],
  invalid: [400, 'Invalid request'],
  refused: [422, 'SCIM token rejected'],
  unreachable: [502, 'Target unreachable'],
};

export function domainProblem(err: DomainError, surface: Surface): Problem {
  const [status, title] = DOMAIN_STATUS[err.kind];
  return new Problem(status, err.title ?? title, err.describe(surface), err.details);
}

/** Where a bad value was, in words an admin knows: the body, the path or the query string. */
const PLACES: Record<string, string> = { body: 'body', params: 'path', querystring: 'query', headers: 'headers' };

export type Issue = { field: string; message: string };

function invalid(where: string, issues: Issue[]): Problem {
  const first = issues[0] ?? { field: where, message: 'invalid' };
  const place = first.field === where ? where : `${where}: ${first.field}`;
  return new Problem(400, 'Invalid request', `${place}: ${first.message}`, { issues });
}

/** Whether every letter of `short` appears in `long`, in order (`scimUrl` in `scimBaseUrl`, `token` in `scimToken`). */
function subsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

/**
 * The known field an unknown one most likely meant, when it is a near miss: a case or a typo away, or a
 * shortening of it (`scimUrl` for `scimBaseUrl`, `token` for `scimToken`).
 */
export function nearMiss(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    if (name === unknown) continue; // known elsewhere (another branch of a union), not a near miss
    const candidate = name.toLowerCase();
    const distance = candidate === lower ? 0 : leven(lower, candidate);
    const close = distance <= Math.max(name.length >= 4 ? 2 : 1, Math.floor(name.length / 4)) || (lower.length >= 4 && subsequence(lower, candidate));
    if (close && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The field names a zod object schema (possibly wrapped: optional, nullable, refined, a union of objects) accepts at a path. */
export function knownFields(schema: unknown, path: readonly (string | number)[] = []): string[] {
  const unwrap = (t: unknown): unknown[] => {
    const def = (t as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[] } } })?._zod?.def;
    if (!def) return [];
    if (def.innerType) return unwrap(def.innerType);
    if (def.type === 'pipe' && def.in) return unwrap(def.in);
    if (def.type === 'union' && def.options) return def.options.flatMap(unwrap);
    return [t];
  };
  let level = unwrap(schema);
  for (const key of path.map(String)) {
    level = level.flatMap((t) => (t instanceof z.ZodObject ? unwrap((t.shape as Record<string, unknown>)[key]) : t instanceof z.ZodArray ? unwrap(t.element) : []));
  }
  return [...new Set(level.flatMap((t) => (t instanceof z.ZodObject ? Object.keys(t.shape) : [])))];
}

type ValidationError = { instancePath: string; message?: string; keyword?: string; params?: Record<string, unknown> };
type ZodIssueLike = { code?: string; path?: (string | number)[]; message?: string; keys?: string[]; errors?: ZodIssueLike[][] };

/**
 * A body that matches no branch of a union (a connector of kind slack or scim) is explained by the branch
 * it meant: the one whose discriminator (`kind`) it did not get wrong.
 */
function expandUnions(e: ValidationError): ValidationError[] {
  const branches = e.keyword === 'invalid_union' ? (e.params?.errors as ZodIssueLike[][] | undefined) : undefined;
  if (!branches?.length) return [e];
  const chosen = branches.find((b) => !b.some((i) => i.path?.[0] === 'kind')) ?? branches[0]!;
  return chosen.flatMap((i) =>
    expandUnions({
      keyword: i.code,
      instancePath: `${e.instancePath.replace(/\/$/, '')}${i.path?.length ? `/${i.path.join('/')}` : ''}`,
      message: i.message,
      params: { keys: i.keys, errors: i.errors },
    }),
  );
}

/** 400 from the validation errors Fastify reports (zod issues, one per bad field); the detail names the first. */
export function validationProblem(context: string | undefined, errors: ReadonlyArray<ValidationError>, schema?: unknown): Problem {
  const where = PLACES[context ?? ''] ?? context ?? 'request';
  const issues = errors.flatMap(expandUnions).flatMap((e): Issue[] => {
    const prefix = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const keys = e.keyword === 'unrecognized_keys' ? (e.params?.keys as string[] | undefined) : undefined;
    if (keys?.length) {
      const path = prefix === '' ? [] : prefix.split('.');
      const known = knownFields(schema, path);
      return keys.map((key) => {
        const meant = nearMiss(key, known);
        const field = prefix ? `${prefix}.${key}` : key;
        return { field, message: `unknown field${meant ? ` (did you mean "${meant}"?)` : ''}` };
      });
    }
    return [{ field: prefix || where, message: e.message ?? 'invalid' }];
  });
  return invalid(where, issues);
}
