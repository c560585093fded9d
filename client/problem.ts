import type { FastifyReply } from 'fastify';
import type { z } from 'zod';

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

/** Parses request input with zod; a failure names the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
  const first = issues[0]!;
  throw new Problem(400, 'Invalid request', `${where}: ${first.field}: ${first.message}`, { issues });
}
