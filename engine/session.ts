import type { EventType } from '../core/events';
import type { Db, Tx } from '../db/client';
import { type ConnectorRow, getConnector, scimCredentials } from '../db/connectors';
import { recordEvent } from '../db/events';
import { clientFor, profileFor, targetSettings, type TargetProfile } from '../targets';
import type { Mailer } from '../mail/mailer';
import type { ScimClient, ScimClientOptions } from '../targets/scim-client';

/** Waits until a request may be sent without exceeding the target's limits (db/governor.ts). */
export type RateGovernor = { acquire(orgKey: string, method: string, resource: string, signal?: AbortSignal): Promise<void> };

/** What the sync engine needs from the outside world, given once when a worker (or a test) starts. */
export type EngineDeps = {
  db: Db;
  /** Key that decrypts SCIM tokens at rest. */
  secretKey: Buffer;
  /** Shared across workers through the database; absent means no proactive limiting. */
  governor?: RateGovernor;
  /** Extra client options (a test's dispatcher, a timeout). */
  clientOptions?: Omit<ScimClientOptions, 'baseUrl' | 'token' | 'dialect' | 'beforeRequest'>;
  /** Where mail to admins goes (held deactivations, import summaries); absent: nothing is mailed. */
  mail?: { mailer: Mailer; adminEmail: string };
  /** Bindery's public base URL (BINDERY_PUBLIC_URL): links in mail to members (an SSO bind) lead to its user portal. */
  publicUrl?: string;
};

/** Where the work runs: the workflow that did it (for events), liveness and cancellation. */
export type RunContext = {
  trace?: { workflowId?: string; runId?: string; attempt?: number };
  /** Proves the worker alive while it waits or sends. */
  heartbeat?: () => void;
  signal?: AbortSignal;
};

export type Outcome = 'success' | 'failure';
export type EventRecord = { type: EventType; outcome: Outcome; message: string; code?: string };

/** One connector's target, ready to plan and apply: its row, its rules, its client, and how to record events. */
export type Session = {
  deps: EngineDeps;
  connector: ConnectorRow;
  profile: TargetProfile;
  client: ScimClient;
  run: RunContext;
  /** Records a Directory Insights event for one object, in the given transaction (or on its own). */
  record(object: { objectType: 'user' | 'group'; objectId: string }, event: EventRecord, tx?: Tx): Promise<void>;
};

/** Waiting for the governor can outlast a heartbeat timeout: keep beating meanwhile. */
async function whileBeating<T>(beat: (() => void) | undefined, work: Promise<T>): Promise<T> {
  if (!beat) return work;
  const timer = setInterval(beat, 5_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** A session for the connector, or why there is none (deleted, or identity management inactive). */
export async function openSession(deps: EngineDeps, connectorId: string, run: RunContext = {}): Promise<Session | { skipped: 'no_such_connector' | 'idm_inactive' }> {
  const connector = await getConnector(deps.db, connectorId);
  if (!connector) return { skipped: 'no_such_connector' };
  const creds = scimCredentials(deps.secretKey, connector);
  if (!creds) return { skipped: 'idm_inactive' };
  const profile = profileFor(targetSettings(connector));
  const { governor } = deps;
  const key = profile.rateLimitKey;
  const client = clientFor(profile, creds, {
    ...deps.clientOptions,
    beforeRequest: async (method, resource) => {
      run.heartbeat?.(); // a killed worker's work is retried within the heartbeat timeout
      if (governor && key) await whileBeating(run.heartbeat, governor.acquire(key, method, resource, run.signal));
    },
  });
  const trace = run.trace ?? {};
  return {
    deps,
    connector,
    profile,
    client,
    run,
    record: (object, event, tx = deps.db) =>
      recordEvent(tx, { connectorId, ...object, type: event.type, outcome: event.outcome, message: event.message, errorCode: event.code, workflowId: trace.workflowId, runId: trace.runId, attempt: trace.attempt }),
  };
}
