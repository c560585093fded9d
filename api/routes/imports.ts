import type { Client } from '@temporalio/client';
import { createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { IMPORT_OUTCOMES, importItems as importItemsTable, imports as importsTable } from '../../db/schema';
import { INLINE_IMPORT_LIMIT, type ImportProgress } from '../../core/import';
import { DomainError } from '../../services/context';
import * as importService from '../../services/imports';
import { type ImportInput, importProgress } from '../../workflows/import';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { type ApiDeps, type App, doc } from '../context';
import { Id, IdParam, Limit, responses, Warning } from '../schemas';

/** An account's ID in the target (Slack: `U…`; other targets: often a UUID). */
const RemoteId = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters');
const Flag = z.stringbool({ truthy: ['true'], falsy: ['false'] });

const Candidate = z.object({
  remoteId: z.string(),
  userName: z.string(),
  displayName: z.string(),
  name: z.string(),
  email: z.string(),
  active: z.boolean().describe('false: deactivated in the target; not imported unless asked'),
  status: z.enum(['new', 'imported']).describe('imported: linked, or a directory user has its username or email'),
  match: z.enum(['linked', 'same_user', 'username', 'email']).optional().describe('how the directory has it'),
  userId: z.string().optional().describe('the directory user that has it'),
  importable: z.boolean().describe('imported when selected with the default options: new and active'),
});
const CandidatePage = z.object({
  items: z.array(Candidate),
  next: z.string().optional(),
  counts: z.object({ total: z.number().int(), new: z.number().int(), imported: z.number().int(), deactivated: z.number().int() }),
});
const CandidateQuery = z.object({
  newOnly: Flag.optional().describe('only users not in the directory yet'),
  search: z.string().trim().min(1).max(200).optional().describe('words that must all appear in the username, name or email (ignoring case)'),
  limit: Limit,
  after: z.string().max(600).optional().describe('continue after this cursor (the previous page’s `next`)'),
});

const ImportBody = z
  .strictObject({
    remoteIds: z.array(RemoteId).min(1).max(50_000).optional().describe('the accounts to import, by their ID in the target'),
    allNew: z.literal(true).optional().describe('…or every new account of the target'),
    includeDeactivated: z.boolean().optional().describe('also import deactivated accounts, as suspended directory users (default false)'),
    notifyEmail: z.email().max(320).optional().describe('who is emailed when a background import completes (default: the connector’s notifyEmail, else BINDERY_ADMIN_EMAIL)'),
  })
  .refine((b) => (b.remoteIds === undefined) !== (b.allNew === undefined), 'give remoteIds or allNew: true (one of them)');

const Progress = z.object({
  importId: z.string(),
  phase: z.enum(['starting', 'reading', 'looking_up', 'finishing', 'done']),
  total: z.number().int(),
  done: z.number().int(),
  created: z.number().int(),
  alreadyImported: z.number().int(),
  refused: z.number().int(),
});
const ImportView = createSelectSchema(importsTable).extend({ progress: Progress.optional().describe('a running import’s progress, from its workflow') });
const Item = createSelectSchema(importItemsTable).omit({ importId: true }).extend({ code: z.string().nullable().describe('the reason’s code: unknown_id, deactivated, username_taken, email_taken, invalid_record; linked, same_user') });
const ImportWithItems = ImportView.extend({
  items: z.array(Item).describe('the accounts and what became of each (a page of them)'),
  next: z.string().optional(),
  warnings: z.array(Warning).optional(),
});
const Started = ImportView.extend({ warnings: z.array(Warning).optional() });
const ItemsQuery = z.object({
  outcome: z.enum(IMPORT_OUTCOMES).optional().describe('only the items with this outcome'),
  limit: Limit,
  after: RemoteId.optional().describe('continue after this remote ID (the previous page’s `next`)'),
});

/** How long a small import's request waits for its result before answering 202 with the import to follow. */
const WAIT_MS = 60_000;

async function progressOf(temporal: Client, row: { status: string; workflowId: string | null }): Promise<ImportProgress | undefined> {
  if (row.status !== 'running' || !row.workflowId) return undefined;
  try {
    return await temporal.workflow.getHandle(row.workflowId).query(importProgress);
  } catch {
    return undefined; // not started yet, finishing, or its worker is away: the stored counts stand
  }
}

/** Imports from a connector's target (M1–M3). */
export function importRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'imports';
  let governor: importService.ImportServiceDeps['governor'];
  const serviceDeps = (): importService.ImportServiceDeps => ({ ...deps, governor: (governor ??= importService.readGovernor(db)) });

  app.get(
    '/v1/connectors/:id/import-candidates',
    {
      schema: {
        ...doc(
          tag,
          'list the target’s users, each new or imported',
          'Reads every user of the connector’s target (its largest pages, through the rate governor) and marks each `new`, or `imported` when the directory has it: linked to it, or a directory user with its username or email (M1). New first (active, then deactivated), then imported; by username. 409 when identity management is inactive; 502 when the target cannot be read.',
        ),
        params: IdParam,
        querystring: CandidateQuery,
        response: responses({ 200: CandidatePage }, [404, 409, 502]),
      },
    },
    async (req) => importService.listCandidates(serviceDeps(), req.params.id, req.query),
  );

  app.post(
    '/v1/connectors/:id/imports',
    {
      schema: {
        ...doc(
          tag,
          'import users of the target into the directory',
          `The selected accounts (remoteIds), or every new one (allNew), become directory users linked to their accounts; nothing is written to the target, and they are not managed until a group bound to the connector includes them (M3). Up to ${INLINE_IMPORT_LIMIT} accounts: 200 with one item per account (created, already_imported, or refused with the reason and the fix). More: 202 and the import runs in the background as import/<connectorId>/<importId>; follow it with GET /v1/imports/{id}; the admin (notifyEmail) is emailed its summary when it completes. Accounts given twice are imported once (a warning says so).`,
        ),
        params: IdParam,
        body: ImportBody,
        response: responses({ 200: ImportWithItems, 202: Started }, [404, 409, 502], { body: true }),
      },
    },
    async (req, reply) => {
      const { row, inline, warnings } = await importService.createImport(serviceDeps(), req.params.id, req.body);
      const input: ImportInput = { connectorId: row.connectorId, importId: row.id, includeDeactivated: req.body.includeDeactivated ?? false, notify: !inline };
      let handle;
      try {
        handle = await deps.temporal.workflow.start('importUsers', {
          workflowId: row.workflowId!,
          taskQueue: deps.taskQueue,
          args: [input],
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.connectorId, value: row.connectorId },
            { key: SEARCH_ATTRIBUTES.operation, value: 'import' },
          ],
        });
      } catch (err) {
        await importService.failImportStart(db, row.id, `the import's workflow could not be started: ${(err as Error).message}`);
        throw new DomainError('unreachable', `The import ${row.id} was not started: Temporal could not be reached.`, { api: 'Try again once Temporal is up.', cli: 'Try again once Temporal is up.' });
      }
      const extra = warnings.length > 0 ? { warnings } : {};
      if (inline) {
        // Waits for the result; a failed import is answered as it ended (status failed, with its error).
        await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, WAIT_MS))]);
        const done = await importService.requireImport(db, row.id);
        if (done.status !== 'running') {
          const items = await importService.importItems(db, row.id, { limit: 500 });
          return { ...done, items, ...extra };
        }
      }
      const current = await importService.requireImport(db, row.id);
      return reply.code(202).send({ ...current, ...extra });
    },
  );

  app.get(
    '/v1/connectors/:id/imports',
    {
      schema: { ...doc(tag, 'list a connector’s imports', 'Newest first, with their counts.'), params: IdParam, querystring: z.object({ limit: Limit }), response: responses({ 200: z.object({ items: z.array(ImportView) }) }, [404]) },
    },
    async (req) => ({ items: await importService.listImports(db, req.params.id, req.query.limit) }),
  );

  app.get(
    '/v1/imports/:id',
    {
      schema: {
        ...doc(
          tag,
          'show an import: its status, counts, progress and accounts',
          'Counts by outcome (created, already imported, refused); `progress` while it runs (from its workflow’s query); and a page of its accounts in remote ID order, each with its outcome, the directory user, and for a refusal the reason and the fix.',
        ),
        params: z.object({ id: Id.describe('the import ID') }),
        querystring: ItemsQuery,
        response: responses({ 200: ImportWithItems }, [404]),
      },
    },
    async (req) => {
      const row = await importService.requireImport(db, req.params.id);
      const items = await importService.importItems(db, row.id, req.query);
      const progress = await progressOf(deps.temporal, row);
      return { ...row, ...(progress ? { progress } : {}), items, ...(items.length === req.query.limit ? { next: items.at(-1)!.remoteId } : {}) };
    },
  );
}
