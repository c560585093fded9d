import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { type ConnectorRow, getConnector } from '../../db/connectors';
import { Problem } from '../problem';

export type ApiDeps = {
  db: Db;
  secretKey: Buffer;
  apiKey: string;
  temporal: Client;
  taskQueue: string;
  /** Called after a change and its sync intents have committed: wakes the outbox dispatcher. */
  notify?: () => void;
};

/** The Fastify instance routes are declared on: request schemas are zod schemas. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** A database transaction. */
export type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The outbox rule: a directory change and the sync intents it calls for commit in one transaction;
 * after the commit the dispatcher is woken to deliver them to Temporal.
 */
export async function mutate<T>(deps: ApiDeps, change: (tx: Transaction) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction(change);
  deps.notify?.();
  return result;
}

export const Id = z.string().min(1).max(64);
export const IdParam = z.object({ id: Id.describe('the object ID') });
export const Limit = z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)');
export const Page = z.object({ limit: Limit, after: Id.optional().describe('continue after this ID (the previous page’s `next`)') });

/** `next` is the cursor of the following page, present only when this page is full. */
export function page<T>(items: T[], limit: number, cursor: (item: T) => string | number): { items: T[]; next?: string | number } {
  const last = items.at(-1);
  return { items, next: items.length === limit && last !== undefined ? cursor(last) : undefined };
}

export function notFound(what: string, id: string): Problem {
  return new Problem(404, 'Not found', `No ${what} ${id}`);
}

export function conflict(detail: string, extra: Record<string, unknown> = {}): Problem {
  return new Problem(409, 'Conflict', detail, extra);
}

/** Schema metadata common to routes: OpenAPI tag and summary. */
export function doc(tag: string, summary: string, description?: string): { tags: string[]; summary: string; description?: string } {
  return { tags: [tag], summary, ...(description ? { description } : {}) };
}

/** The connector, or 404. */
export async function requireConnector(tx: Transaction | ApiDeps['db'], id: string): Promise<ConnectorRow> {
  const row = await getConnector(tx, id);
  if (!row) throw notFound('connector', id);
  return row;
}
