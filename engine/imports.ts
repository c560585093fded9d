import { addCounts, INLINE_IMPORT_LIMIT, type ImportCounts, noCounts } from '../core/import';
import type { ScimUser } from '../core/scim-user';
import { getConnector } from '../db/connectors';
import { countItems, finishImport, getImport, importBatch, type ImportRecord, type ImportTrace, pendingRemoteIds, refusedItems } from '../db/imports';
import { importSummaryMessage } from '../mail/messages';
import { ScimError } from '../targets/errors';
import { isSlackGuest } from '../targets/slack/mapping';
import type { EngineDeps, Session } from './session';

/**
 * The import's work in the worker (M1–M2), in batches: the target is read either a page at a time (its
 * largest page, paced by the rate governor like every request) or, for few accounts, one account at a time
 * by ID; each batch of accounts is decided and written by db/imports.ts (never twice, whoever retries); at
 * the end the import is closed and, for a background import, the admin is emailed its summary.
 */

export type ImportRef = { connectorId: string; importId: string };
export type ImportRun = ImportRef & { includeDeactivated: boolean };

/** Accounts decided and written per transaction. */
export const IMPORT_BATCH = 500;
/** Accounts looked up by ID per call, and at once within it. */
export const LOOKUPS_PER_CALL = 100;
const LOOKUP_CONCURRENCY = 8;

/**
 * How the selection is read. By ID (one GET each) for up to INLINE_IMPORT_LIMIT accounts; beyond, the whole
 * list once at the target's largest page (Slack: 1,000 users a request), which costs pages instead of one
 * request per account — then by ID only for what the list did not show (an unknown ID is confirmed so).
 */
export function strategyFor(pending: number): 'scan' | 'by_id' {
  return pending <= INLINE_IMPORT_LIMIT ? 'by_id' : 'scan';
}

export type ImportBegun = { total: number; pending: number; strategy: 'scan' | 'by_id'; counts: ImportCounts } | { skipped: 'no_such_import' | 'already_ended' | 'no_such_connector' | 'idm_inactive' };

/** Where an import starts: its size, what a previous run already decided, and how to read the target. */
export async function beginImport(deps: EngineDeps, ref: ImportRef, session: Session | { skipped: 'no_such_connector' | 'idm_inactive' }, trace?: ImportTrace): Promise<ImportBegun> {
  const row = await getImport(deps.db, ref.importId);
  if (!row || row.connectorId !== ref.connectorId) return { skipped: 'no_such_import' };
  if (row.status !== 'running') return { skipped: 'already_ended' };
  if ('skipped' in session) {
    const error = session.skipped === 'idm_inactive' ? 'identity management is not active for this connector: activate it, then import again' : 'the connector was deleted';
    await finishImport(deps.db, ref, { status: 'failed', error, targetName: 'the target', trace });
    return { skipped: session.skipped };
  }
  const { pending, total, created, alreadyImported, refused } = await countItems(deps.db, ref.importId);
  return { total, pending, strategy: strategyFor(pending), counts: { created, alreadyImported, refused } };
}

/** What only the target knows how to read from its own record: a Slack multi-channel guest (U9). */
function guestOf(session: Session, record: ScimUser): boolean {
  return session.profile.kind === 'slack' && isSlackGuest(record);
}

async function importRecords(session: Session, ref: ImportRun, records: readonly ImportRecord[], trace?: ImportTrace): Promise<ImportCounts> {
  const counts = noCounts();
  for (let i = 0; i < records.length; i += IMPORT_BATCH) {
    const batch = records.slice(i, i + IMPORT_BATCH);
    addCounts(counts, await importBatch(session.deps.db, ref, batch, { includeDeactivated: ref.includeDeactivated, targetName: session.profile.targetName, trace }));
    session.run.heartbeat?.();
  }
  return counts;
}

/**
 * Reads one page of the target's users from `startIndex` and imports the selected accounts on it. `next` is
 * where the following page starts; none once a page comes back empty.
 */
export async function importTargetPage(session: Session, ref: ImportRun, startIndex: number, trace?: ImportTrace): Promise<ImportCounts & { read: number; next?: number }> {
  const pages = session.client.listUsers({ startIndex });
  const first = await pages.next();
  const page = first.done ? [] : first.value;
  if (page.length === 0) return { ...noCounts(), read: 0 };
  const wanted = new Set(await pendingRemoteIds(session.deps.db, ref.importId, { among: page.map((u) => u.id) }));
  const records = page.filter((u) => wanted.has(u.id)).map((u) => ({ remoteId: u.id, record: u, guest: guestOf(session, u) }));
  const counts = await importRecords(session, ref, records, trace);
  return { ...counts, read: page.length, next: startIndex + page.length };
}

/** Looks up to LOOKUPS_PER_CALL undecided accounts up by ID and imports them (an ID the target does not know is refused). */
export async function importRemaining(session: Session, ref: ImportRun, trace?: ImportTrace): Promise<ImportCounts & { remaining: number }> {
  const ids = await pendingRemoteIds(session.deps.db, ref.importId, { limit: LOOKUPS_PER_CALL });
  const found: Array<ScimUser | null> = new Array(ids.length).fill(null);
  let cursor = 0;
  const lookUp = async () => {
    while (cursor < ids.length) {
      const i = cursor++;
      try {
        found[i] = await session.client.getUser(ids[i]!);
      } catch (err) {
        // An ID the target cannot even parse is as unknown as one it does not have.
        if (!(err instanceof ScimError && err.kind === 'permanent' && (err.status === 400 || err.status === 404))) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, ids.length) }, lookUp));
  const records = ids.map((remoteId, i) => {
    const record = found[i] ?? null;
    return { remoteId, record: record && record.id === remoteId ? record : null, guest: record ? guestOf(session, record) : false };
  });
  const counts = await importRecords(session, ref, records, trace);
  const { pending } = await countItems(session.deps.db, ref.importId);
  return { ...counts, remaining: pending };
}

/** Closes the import with its counts (from the items) and an `import_completed` event. */
export async function endImport(session: Session | undefined, deps: EngineDeps, ref: ImportRef, end: { status: 'completed' | 'failed'; code?: string }, trace?: ImportTrace): Promise<ImportCounts & { total: number }> {
  const explain = end.code ? (session ? session.profile.explain(end.code) : end.code) : undefined;
  const error = end.status === 'failed' ? `the import stopped (${end.code ?? 'failed'}${explain && explain !== end.code ? `: ${explain}` : ''})` : undefined;
  const { created, alreadyImported, refused, total } = await finishImport(deps.db, ref, { status: end.status, error, targetName: session?.profile.targetName ?? 'the target', trace });
  return { created, alreadyImported, refused, total };
}

/**
 * Emails the summary of a finished import to whoever started it (the import's notifyEmail), else the
 * connector's admin, else BINDERY_ADMIN_EMAIL; nothing when the worker sends no mail.
 */
export async function mailImportSummary(deps: EngineDeps, ref: ImportRef): Promise<{ sent: boolean }> {
  const row = await getImport(deps.db, ref.importId);
  const connector = await getConnector(deps.db, ref.connectorId);
  if (!row || !connector || !deps.mail) return { sent: false };
  const to = row.notifyEmail ?? connector.notifyEmail ?? deps.mail.adminEmail;
  const message = importSummaryMessage({
    connectorLabel: connector.label,
    importId: row.id,
    created: row.created,
    alreadyImported: row.alreadyImported,
    refused: await refusedItems(deps.db, row.id),
  });
  await deps.mail.mailer.send({ to, ...message });
  return { sent: true };
}
