import { eq } from 'drizzle-orm';
import { type Config, loadConfig } from '../core/config';
import { newId } from '../core/ids';
import { type Candidate, candidateCounts, candidatePage, type CandidateQuery, dedupeSelection, importKeys, importWorkflowId, INLINE_IMPORT_LIMIT, reasonCode, toCandidate } from '../core/import';
import type { Db, Tx } from '../db/client';
import { type ConnectorRow, scimCredentials } from '../db/connectors';
import { createGovernor, type Governor } from '../db/governor';
import { getImport, importFacts, type ImportOutcome, type ImportRow, insertImport, listImportItems, listImports as selectImports } from '../db/imports';
import { imports } from '../db/schema';
import { clientFor, profileFor, targetSettings } from '../targets';
import { ScimError } from '../targets/errors';
import { SLACK_RATE_LIMITS } from '../targets/slack/facts';
import { requireConnector } from './connectors';
import { DomainError, notFound, type ServiceDeps, type Warning } from './context';

/**
 * Imports from a connector's target (M1–M2), as the API offers them: the list of the target's users marked
 * new or imported, and the start of an import (its selection resolved and stored). The import itself runs
 * in its workflow (workflows/import.ts); this layer reads the target only for the list and for "all new".
 */

/** The API reads targets through the rate governor too, on the workers' settings: one budget for all. */
export type ImportServiceDeps = ServiceDeps & { governor?: Pick<Governor, 'acquire'> };

/** The governor the API's own reads of a target go through (BINDERY_GOVERNOR, BINDERY_GOVERNOR_SCALE, like the workers'). */
export function readGovernor(db: Db, config: Pick<Config, 'governor' | 'governorScale'> = loadConfig()): Governor {
  return createGovernor(db, { limits: SLACK_RATE_LIMITS, enabled: config.governor === 'on', scale: config.governorScale });
}

function activeIdm(connector: ConnectorRow, secretKey: Buffer) {
  const creds = scimCredentials(secretKey, connector);
  if (!creds) {
    throw new DomainError('conflict', `Identity management is not active for connector ${connector.id}: Bindery cannot read its users.`, {
      api: `Activate it first: POST /v1/connectors/${connector.id}/idm/activate.`,
      cli: `Activate it first: bindery connector activate ${connector.id} --scim-url <url> --token-stdin.`,
    });
  }
  return creds;
}

/** Every user of the connector's target, marked new or imported, in the list's order (core/import.ts). */
export async function readCandidates(deps: ImportServiceDeps, connectorId: string): Promise<Candidate[]> {
  const connector = await requireConnector(deps.db, connectorId);
  const creds = activeIdm(connector, deps.secretKey);
  const profile = profileFor(targetSettings(connector));
  const key = profile.rateLimitKey;
  const client = clientFor(profile, creds, {
    beforeRequest: async (method, resource) => {
      if (deps.governor && key) await deps.governor.acquire(key, method, resource);
    },
  });
  const out: Candidate[] = [];
  try {
    // The target's largest page (Slack: 1,000 users a request).
    for await (const page of client.listUsers()) {
      const facts = await importFacts(deps.db, connectorId, page.map((r) => ({ remoteId: r.id, ...importKeys(r) })));
      out.push(...page.map((r) => toCandidate(r, facts.get(r.id) ?? {})));
    }
  } catch (err) {
    if (!(err instanceof ScimError)) throw err;
    throw new DomainError('unreachable', `${profile.targetName}'s users could not be read (${err.code}): ${err.explanation}`, { api: 'Try again later.', cli: 'Try again later.' }, { errorCode: err.code });
  }
  return out;
}

/** M1: a page of the target's users, new first (or new only), optionally those a search finds; with the counts of all. */
export async function listCandidates(deps: ImportServiceDeps, connectorId: string, q: CandidateQuery) {
  const all = await readCandidates(deps, connectorId);
  return { ...candidatePage(all, q), counts: candidateCounts(all) };
}

export type ImportSelection = { remoteIds?: string[]; allNew?: boolean; includeDeactivated?: boolean; notifyEmail?: string };

/**
 * Stores an import: its selection (the IDs given, once each; or every new account — active ones, and
 * deactivated ones when asked) as pending items. Whether it runs inline (up to INLINE_IMPORT_LIMIT accounts:
 * the result at once) or in the background (the admin is emailed) follows from its size.
 */
export async function createImport(deps: ImportServiceDeps, connectorId: string, selection: ImportSelection): Promise<{ row: ImportRow; inline: boolean; warnings: Warning[] }> {
  const connector = await requireConnector(deps.db, connectorId);
  activeIdm(connector, deps.secretKey);
  const warnings: Warning[] = [];
  let remoteIds: string[];
  if (selection.allNew) {
    const all = await readCandidates(deps, connectorId);
    remoteIds = all.filter((c) => c.status === 'new' && (c.active || selection.includeDeactivated)).map((c) => c.remoteId);
    if (remoteIds.length === 0) {
      const n = candidateCounts(all);
      const deactivatedNew = all.filter((c) => c.status === 'new' && !c.active).length;
      throw new DomainError(
        'conflict',
        `Nothing to import: of the ${n.total} user(s) in the target, ${n.imported} are already in the directory${deactivatedNew > 0 ? ` and ${deactivatedNew} new one(s) are deactivated` : ''}.`,
        deactivatedNew > 0 ? { api: 'Add includeDeactivated: true to import the deactivated ones (as suspended directory users).', cli: 'Add --include-deactivated to import the deactivated ones (as suspended directory users).' } : {},
      );
    }
  } else {
    const { unique, duplicates } = dedupeSelection(selection.remoteIds ?? []);
    remoteIds = unique;
    for (const d of duplicates) warnings.push({ code: 'duplicate_selection', message: `${d.remoteId} was selected ${d.times} times: it is imported once.` });
  }
  const id = newId('import');
  const row = await deps.db.transaction((tx) =>
    insertImport(tx, { id, connectorId, notifyEmail: selection.notifyEmail ?? connector.notifyEmail ?? null, workflowId: importWorkflowId(connectorId, id), remoteIds }),
  );
  return { row, inline: remoteIds.length <= INLINE_IMPORT_LIMIT, warnings };
}

/** An import whose workflow could not be started: failed, with why. */
export async function failImportStart(tx: Tx, id: string, error: string): Promise<void> {
  await tx.update(imports).set({ status: 'failed', error, finishedAt: new Date() }).where(eq(imports.id, id));
}

export async function requireImport(tx: Tx, id: string): Promise<ImportRow> {
  const row = await getImport(tx, id);
  if (!row) throw notFound('import', id);
  return row;
}

export async function listImports(tx: Tx, connectorId: string, limit: number): Promise<ImportRow[]> {
  await requireConnector(tx, connectorId);
  return selectImports(tx, connectorId, limit);
}

/** An import's accounts and what became of each, in remote ID order; the code is the reason's first word. */
export async function importItems(tx: Tx, importId: string, q: { outcome?: ImportOutcome; after?: string; limit: number }) {
  const rows = await listImportItems(tx, importId, q);
  return rows.map(({ importId: _i, ...r }) => ({ ...r, code: reasonCode(r.reason) }));
}
