import { and, asc, desc, eq, getTableColumns, gt, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { newId } from '../core/ids';
import { countOf, CREATED_NOTE, decideImports, type DirectoryHolder, type ImportCounts, type ImportFacts, type ImportOptions, importKeys, noCounts, reasonText } from '../core/import';
import type { ScimUser } from '../core/scim-user';
import type { Db, Tx } from './client';
import { rowsOf } from './outbox';
import { directoryUsers, importItems, imports, insightsEvents, userLinks } from './schema';

/**
 * Imports (M1–M2) in the database: the import and its selected accounts (one item each), what the directory
 * already holds for the target's users, and the write that turns a batch of accounts into directory users.
 *
 * Never two directory users for one account: an account's users, links and items are written in one
 * transaction that first locks the account's item while it is still pending (a second attempt at the same
 * batch waits, then finds it done), and the link's unique (connector, remote ID) index refuses a second link
 * to one account whatever imports it (the whole batch then rolls back and is decided again).
 */

export type ImportRow = typeof imports.$inferSelect;
export type ImportItemRow = typeof importItems.$inferSelect;
export type ImportOutcome = ImportItemRow['outcome'];

/** Items written per statement. */
const CHUNK = 1000;

export async function insertImport(tx: Tx, row: { id: string; connectorId: string; notifyEmail: string | null; workflowId: string; remoteIds: readonly string[] }): Promise<ImportRow> {
  const [created] = await tx
    .insert(imports)
    .values({ id: row.id, connectorId: row.connectorId, notifyEmail: row.notifyEmail, workflowId: row.workflowId, total: row.remoteIds.length })
    .returning();
  for (let i = 0; i < row.remoteIds.length; i += CHUNK) {
    await tx.insert(importItems).values(row.remoteIds.slice(i, i + CHUNK).map((remoteId) => ({ importId: row.id, remoteId })));
  }
  return created!;
}

export async function getImport(tx: Tx, id: string): Promise<ImportRow | undefined> {
  const [row] = await tx.select().from(imports).where(eq(imports.id, id));
  return row;
}

/** A connector's imports, newest first. */
export async function listImports(tx: Tx, connectorId: string, limit: number): Promise<ImportRow[]> {
  return tx.select().from(imports).where(eq(imports.connectorId, connectorId)).orderBy(desc(imports.startedAt), desc(imports.id)).limit(limit);
}

/** An import's items in remote ID order (keyset pages), optionally of one outcome. */
export async function listImportItems(tx: Tx, importId: string, opts: { outcome?: ImportOutcome; after?: string; limit: number }): Promise<ImportItemRow[]> {
  return tx
    .select()
    .from(importItems)
    .where(and(eq(importItems.importId, importId), opts.outcome ? eq(importItems.outcome, opts.outcome) : undefined, opts.after !== undefined ? gt(importItems.remoteId, opts.after) : undefined))
    .orderBy(asc(importItems.remoteId))
    .limit(opts.limit);
}

/** Of these accounts (or any, up to `limit`), those the import has not decided yet. */
export async function pendingRemoteIds(tx: Tx, importId: string, opts: { among?: readonly string[]; limit?: number }): Promise<string[]> {
  if (opts.among && opts.among.length === 0) return [];
  const rows = await tx
    .select({ remoteId: importItems.remoteId })
    .from(importItems)
    .where(and(eq(importItems.importId, importId), eq(importItems.outcome, 'pending'), opts.among ? sql`${importItems.remoteId} = any(${sql.param([...opts.among])}::text[])` : undefined))
    .orderBy(asc(importItems.remoteId))
    .limit(opts.limit ?? 1_000_000);
  return rows.map((r) => r.remoteId);
}

/** How many items are left, and how many the import has by outcome (counted from the items, the truth). */
export async function countItems(tx: Tx, importId: string): Promise<ImportCounts & { pending: number; total: number }> {
  const rows = rowsOf<{ outcome: ImportOutcome; n: number | string }>(
    await tx.execute(sql`select ${importItems.outcome} as outcome, count(*) as n from ${importItems} where ${importItems.importId} = ${importId} group by 1`),
  );
  const n = (o: ImportOutcome) => Number(rows.find((r) => r.outcome === o)?.n ?? 0);
  const counts = { created: n('created'), alreadyImported: n('already_imported'), refused: n('refused'), pending: n('pending') };
  return { ...counts, total: counts.created + counts.alreadyImported + counts.refused + counts.pending };
}

/** What the directory holds for each account: its link on this connector, and users holding the username or email it would bring. */
export async function importFacts(tx: Tx, connectorId: string, keys: ReadonlyArray<{ remoteId: string; username?: string; email?: string }>): Promise<Map<string, ImportFacts>> {
  const facts = new Map<string, ImportFacts>(keys.map((k) => [k.remoteId, {}]));
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const ids = chunk.map((k) => k.remoteId);
    const names = [...new Set(chunk.flatMap((k) => (k.username ? [k.username.toLowerCase()] : [])))];
    const emails = [...new Set(chunk.flatMap((k) => (k.email ? [k.email.toLowerCase()] : [])))];
    const links = await tx
      .select({ userId: userLinks.userId, remoteId: userLinks.remoteId })
      .from(userLinks)
      .where(and(eq(userLinks.connectorId, connectorId), sql`${userLinks.remoteId} = any(${sql.param(ids)}::text[])`));
    const byName = new Map<string, DirectoryHolder>();
    if (names.length > 0) {
      const rows = await tx
        .select({ id: directoryUsers.id, username: directoryUsers.username, deletedAt: directoryUsers.deletedAt })
        .from(directoryUsers)
        .where(sql`lower(${directoryUsers.username}) = any(${sql.param(names)}::text[])`);
      for (const r of rows) byName.set(r.username.toLowerCase(), { id: r.id, username: r.username, deleted: r.deletedAt !== null });
    }
    const byEmail = new Map<string, DirectoryHolder>();
    if (emails.length > 0) {
      const rows = await tx
        .select({ id: directoryUsers.id, username: directoryUsers.username, email: directoryUsers.email })
        .from(directoryUsers)
        .where(and(sql`lower(${directoryUsers.email}) = any(${sql.param(emails)}::text[])`, sql`${directoryUsers.deletedAt} is null`))
        .orderBy(asc(directoryUsers.id));
      for (const r of rows) if (!byEmail.has(r.email.toLowerCase())) byEmail.set(r.email.toLowerCase(), { id: r.id, username: r.username, deleted: false });
    }
    const linked = new Map(links.map((l) => [l.remoteId!, l.userId]));
    for (const k of chunk) {
      const f: ImportFacts = {};
      const userId = linked.get(k.remoteId);
      if (userId) f.linkedUserId = userId;
      const name = k.username ? byName.get(k.username.toLowerCase()) : undefined;
      if (name) f.usernameHolder = name;
      const email = k.email ? byEmail.get(k.email.toLowerCase()) : undefined;
      if (email) f.emailHolder = email;
      facts.set(k.remoteId, f);
    }
  }
  return facts;
}

/** One selected account as the engine read it: null when the target has no user with this ID. */
export type ImportRecord = { remoteId: string; record: ScimUser | null; guest?: boolean };
export type ImportTrace = { workflowId?: string; runId?: string; attempt?: number };

/** SQL types a text value can be cast to (a serial column's type is its integer type). */
const CASTABLE: Record<string, string> = { bigserial: 'bigint', serial: 'integer' };

/**
 * Inserts many rows in one statement with one text-array parameter per column, unnested and cast to each
 * column's type: a multi-row VALUES of a few hundred users binds thousands of parameters, and building it
 * costs more than the insert. Every row has the same keys (the table's property names).
 */
async function insertRows<T extends PgTable>(tx: Tx, table: T, rows: ReadonlyArray<Partial<T['$inferInsert']>>): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = getTableColumns(table) as Record<string, { name: string; getSQLType(): string }>;
  const keys = Object.keys(first);
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const names = sql.join(keys.map((k) => sql.identifier(columns[k]!.name)), sql`, `);
  const arrays = sql.join(keys.map((k) => sql`${sql.param(rows.map((r) => text((r as Record<string, unknown>)[k])))}::text[]`), sql`, `);
  const casts: SQL[] = keys.map((k, i) => {
    const type = columns[k]!.getSQLType();
    return sql`${sql.identifier(`c${i}`)}::${sql.raw(CASTABLE[type] ?? type)}`;
  });
  const aliases = sql.join(keys.map((_k, i) => sql.identifier(`c${i}`)), sql`, `);
  await tx.execute(sql`insert into ${table} (${names}) select ${sql.join(casts, sql`, `)} from unnest(${arrays}) as t(${aliases})`);
}

function isUniqueViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** A batch is decided again this many times when another writer took a username or an account at the same moment. */
const COLLISION_ATTEMPTS = 3;

/**
 * Decides and writes a batch of the import's accounts in one transaction: accounts already decided are
 * skipped (a retry, or another attempt running alongside), the rest get a directory user and a link in
 * state `imported`, or are counted as already imported, or are refused with the reason; each created user
 * leaves a `user_import` event. Returns what this call decided.
 */
export async function importBatch(db: Db, ref: { connectorId: string; importId: string }, batch: readonly ImportRecord[], opts: ImportOptions & { trace?: ImportTrace }): Promise<ImportCounts> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => writeBatch(tx, ref, batch, opts));
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= COLLISION_ATTEMPTS) throw err;
    }
  }
}

async function writeBatch(tx: Tx, ref: { connectorId: string; importId: string }, batch: readonly ImportRecord[], opts: ImportOptions & { trace?: ImportTrace }): Promise<ImportCounts> {
  if (batch.length === 0) return noCounts();
  // Lock the items still pending: a concurrent attempt at the same accounts waits here, then finds them decided.
  const locked = rowsOf<{ remote_id: string }>(
    await tx.execute(sql`
      select remote_id from ${importItems}
      where import_id = ${ref.importId} and outcome = 'pending' and remote_id = any(${sql.param(batch.map((b) => b.remoteId))}::text[])
      order by remote_id for update`),
  );
  const pending = new Set(locked.map((r) => r.remote_id));
  const todo = batch.filter((b) => pending.has(b.remoteId));
  if (todo.length === 0) return noCounts();

  const facts = await importFacts(
    tx,
    ref.connectorId,
    todo.map((b) => (b.record ? { remoteId: b.remoteId, ...importKeys(b.record) } : { remoteId: b.remoteId })),
  );
  const decided = decideImports(
    todo.map((b) => ({ remoteId: b.remoteId, record: b.record, guest: b.guest, facts: facts.get(b.remoteId) ?? {} })),
    { ...opts, connectorId: ref.connectorId },
  );

  const made = decided.flatMap((d) => (d.decision.outcome === 'created' ? [{ remoteId: d.remoteId, userId: newId('user'), user: d.decision.user }] : []));
  for (let i = 0; i < made.length; i += CHUNK) {
    const chunk = made.slice(i, i + CHUNK);
    await insertRows(tx, directoryUsers, chunk.map((m) => ({ id: m.userId, ...m.user })));
    await insertRows(tx, userLinks, chunk.map((m) => ({ connectorId: ref.connectorId, userId: m.userId, remoteId: m.remoteId, state: 'imported' as const })));
    const trace = opts.trace ?? {};
    await insertRows(
      tx,
      insightsEvents,
      chunk.map((m) => ({
        type: 'user_import' as const,
        connectorId: ref.connectorId,
        objectType: 'user',
        objectId: m.userId,
        outcome: 'success' as const,
        message: `Imported from ${opts.targetName} account ${m.remoteId} (import ${ref.importId}). ${CREATED_NOTE}`,
        workflowId: trace.workflowId ?? null,
        runId: trace.runId ?? null,
        attempt: trace.attempt ?? null,
      })),
    );
  }

  const userIdOf = new Map(made.map((m) => [m.remoteId, m.userId]));
  const column = (pick: (d: (typeof decided)[number]) => string | null | undefined) => sql.param(decided.map((d) => pick(d) ?? null));
  await tx.execute(sql`
    update ${importItems} i set outcome = v.outcome, user_id = v.user_id, user_name = v.user_name, reason = v.reason
    from unnest(
      ${column((d) => d.remoteId)}::text[], ${column((d) => d.decision.outcome)}::text[], ${column((d) => (d.decision.outcome === 'created' ? userIdOf.get(d.remoteId) : d.decision.outcome === 'already_imported' ? d.decision.userId : null))}::text[],
      ${column((d) => d.userName)}::text[], ${column((d) => reasonText(d.decision))}::text[]
    ) as v(remote_id, outcome, user_id, user_name, reason)
    where i.import_id = ${ref.importId} and i.remote_id = v.remote_id`);

  const counts = countOf(decided);
  await tx
    .update(imports)
    .set({ created: sql`${imports.created} + ${counts.created}`, alreadyImported: sql`${imports.alreadyImported} + ${counts.alreadyImported}`, refused: sql`${imports.refused} + ${counts.refused}` })
    .where(eq(imports.id, ref.importId));
  return counts;
}

/** Ends an import: its status, its counts from the items, and an `import_completed` event. */
export async function finishImport(db: Db, ref: { connectorId: string; importId: string }, end: { status: 'completed' | 'failed'; error?: string; targetName: string; trace?: ImportTrace }): Promise<ImportCounts & { total: number }> {
  return db.transaction(async (tx) => {
    const counts = await countItems(tx, ref.importId);
    const [row] = await tx
      .update(imports)
      .set({ status: end.status, created: counts.created, alreadyImported: counts.alreadyImported, refused: counts.refused, finishedAt: sql`coalesce(${imports.finishedAt}, now())`, error: end.error ?? null })
      .where(and(eq(imports.id, ref.importId), eq(imports.status, 'running')))
      .returning({ id: imports.id });
    // A retry that finds the import already ended records nothing twice.
    if (row) {
      await tx.insert(insightsEvents).values({
        type: 'import_completed',
        connectorId: ref.connectorId,
        objectType: 'import',
        objectId: ref.importId,
        outcome: end.status === 'completed' ? 'success' : 'failure',
        errorCode: end.status === 'completed' ? null : 'import_failed',
        message:
          end.status === 'completed'
            ? `Import from ${end.targetName} ${end.status}: ${counts.created} user(s) created, ${counts.alreadyImported} already imported, ${counts.refused} refused (of ${counts.total} selected).`
            : `Import from ${end.targetName} failed after ${counts.created} user(s) created, ${counts.alreadyImported} already imported, ${counts.refused} refused (of ${counts.total} selected): ${end.error ?? 'unknown error'}. Import the rest again: what is done is not done twice.`,
        workflowId: end.trace?.workflowId,
        runId: end.trace?.runId,
        attempt: end.trace?.attempt,
      });
    }
    return counts;
  });
}

/** Every refused item (for the summary email), in remote ID order. */
export async function refusedItems(tx: Tx, importId: string): Promise<Array<{ remoteId: string; userName: string; reason: string }>> {
  const rows = await tx
    .select({ remoteId: importItems.remoteId, userName: importItems.userName, reason: importItems.reason })
    .from(importItems)
    .where(and(eq(importItems.importId, importId), eq(importItems.outcome, 'refused')))
    .orderBy(asc(importItems.remoteId));
  return rows.map((r) => ({ remoteId: r.remoteId, userName: r.userName ?? '(unknown)', reason: r.reason ?? '' }));
}
