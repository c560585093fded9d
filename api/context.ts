import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Db } from '../db/client';
import type { PortalDeps } from '../portal/routes';
import { change, type ServiceDeps } from '../services/context';
import type { Tx } from '../db/client';

export type ApiDeps = ServiceDeps & {
  db: Db;
  apiKey: string;
  temporal: Client;
  taskQueue: string;
  /** Bindery's public base URL for the SAML IdP and the portal (BINDERY_PUBLIC_URL); unset → from the configuration. */
  publicUrl?: string;
  /** Sends the user portal's sign-in links (mail/mailer.ts createMailer); absent: nobody can sign in to the portal. */
  mailer?: PortalDeps['mailer'];
  /** Where the API logs: a pino logger (JSON), or a level for Fastify's own; none: silent. */
  logger?: FastifyBaseLogger | { level: string };
};

/** The Fastify instance routes are declared on: request schemas are zod schemas. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** A directory change and the sync intents it calls for commit in one transaction; then the dispatcher is woken. */
export function mutate<T>(deps: ApiDeps, work: (tx: Tx) => Promise<T>): Promise<T> {
  return change(deps, work);
}

/** `next` is the cursor of the following page, present only when this page is full. */
export function page<T, C extends string | number>(items: T[], limit: number, cursor: (item: T) => C): { items: T[]; next?: C } {
  const last = items.at(-1);
  return { items, next: items.length === limit && last !== undefined ? cursor(last) : undefined };
}

/** Schema metadata common to routes: OpenAPI tag and summary. */
export function doc(tag: string, summary: string, description?: string): { tags: string[]; summary: string; description?: string } {
  return { tags: [tag], summary, ...(description ? { description } : {}) };
}
