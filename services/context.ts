import type { Db, Tx } from '../db/client';
import { verifyTarget } from '../targets';

/**
 * The services layer: every domain operation (users, groups, memberships, connectors, bindings, identity
 * management, SSO) lives here, once, with its rules. The HTTP API, the CLI (through the API), the demo,
 * imports and resyncs all call it. An operation takes a transaction, does its change together with the
 * sync intents it calls for (the outbox), and returns its result with warnings; it refuses with a
 * DomainError that says what happened and what to do.
 */
export type ServiceDeps = {
  db: Db;
  /** Encrypts SCIM tokens at rest. */
  secretKey: Buffer;
  /** Called after a change and its sync intents have committed: wakes the outbox dispatcher. */
  notify?: () => void;
  /** Asks a target whether it accepts a token (replaceable in tests). */
  verifyTarget?: typeof verifyTarget;
};

/** Something worth telling whoever made the change, though the change was made. */
export type Warning = { code: string; message: string; connectorIds?: string[] };
export type WithWarnings<T> = T & { warnings?: Warning[] };

export function withWarnings<T extends object>(value: T, warnings: Warning[]): WithWarnings<T> {
  return warnings.length > 0 ? { ...value, warnings } : value;
}

/** Where a remedy is carried out: the admin used the HTTP API or the CLI. */
export type Surface = 'api' | 'cli';

export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'refused' | 'unreachable';

/**
 * A refusal the admin can act on: what happened (in the message), what to do (the remedy, in the words of
 * the surface they used: a route for the API, a command for the CLI), and details for machines.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly remedy: { api?: string; cli?: string } = {},
    readonly details: Record<string, unknown> = {},
    /** A title more precise than the kind's (e.g. "Confirmation required"). */
    readonly title?: string,
  ) {
    super(message);
  }

  /** The message with the remedy for the surface used. */
  describe(surface: Surface): string {
    const remedy = this.remedy[surface] ?? this.remedy.api;
    return remedy ? `${this.message} ${remedy}` : this.message;
  }
}

export const notFound = (what: string, id: string) => new DomainError('not_found', `No ${what} ${id}`);

/** Runs a change in one transaction, then wakes the dispatcher for the intents it queued. */
export async function change<T>(deps: ServiceDeps, work: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction(work);
  deps.notify?.();
  return result;
}
