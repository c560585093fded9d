import type { FastifyReply } from 'fastify';

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

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: p.title, status: p.status, detail: p.detail, ...p.extra });
}

/** Where a bad value was, in words an admin knows: the body, the path or the query string. */
const PLACES: Record<string, string> = { body: 'body', params: 'path', querystring: 'query', headers: 'headers' };

export type Issue = { field: string; message: string };

function invalid(where: string, issues: Issue[]): Problem {
  const first = issues[0] ?? { field: where, message: 'invalid' };
  const place = first.field === where ? where : `${where}: ${first.field}`;
  return new Problem(400, 'Invalid request', `${place}: ${first.message}`, { issues });
}

/** 400 from the validation errors Fastify reports (zod issues, one per bad field); the detail names the first. */
export function validationProblem(context: string | undefined, errors: ReadonlyArray<{ instancePath: string; message?: string; keyword?: string; params?: Record<string, unknown> }>): Problem {
  const where = PLACES[context ?? ''] ?? context ?? 'request';
  const issues = errors.map((e) => {
    const keys = e.keyword === 'unrecognized_keys' ? (e.params?.keys as string[] | undefined) : undefined;
    if (keys?.length) return { field: keys.join(', '), message: 'unknown field' };
    const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return { field: field || where, message: e.message ?? 'invalid' };
  });
  return invalid(where, issues);
}
