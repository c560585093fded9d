import { ApplicationFailure } from '@temporalio/activity';
import type { ImportCounts } from '../core/import';
import { beginImport, endImport, type ImportBegun, type ImportRef, type ImportRun, importRemaining, importTargetPage, mailImportSummary } from '../engine/imports';
import { type EngineDeps, openSession, type Session } from '../engine/session';
import { ScimError } from '../targets/errors';
import { rethrowForRetry } from './outcome';
import { runContext } from './context';

export type { ImportRef, ImportRun } from '../engine/imports';

/** A target that refuses for good (a revoked token) ends the import at once; anything else is retried. */
function rethrow(err: unknown): never {
  if (err instanceof ScimError && err.kind === 'permanent') throw ApplicationFailure.nonRetryable(`target refused (${err.code})`, 'ScimPermanent', err.code);
  return rethrowForRetry(err);
}

/** The import's activities (engine/imports.ts): a page or a batch of accounts each, IDs and counts in and out. */
export function createImportActivities(deps: EngineDeps) {
  async function session(connectorId: string): Promise<Session> {
    const s = await openSession(deps, connectorId, runContext());
    if ('skipped' in s) throw ApplicationFailure.nonRetryable(`connector ${connectorId}: ${s.skipped}`, 'Skipped', s.skipped);
    return s;
  }
  const trace = () => runContext().trace;

  return {
    async beginImport(ref: ImportRef): Promise<ImportBegun> {
      return beginImport(deps, ref, await openSession(deps, ref.connectorId, runContext()), trace());
    },

    async importTargetPage(input: ImportRun & { startIndex: number }): Promise<ImportCounts & { read: number; next?: number }> {
      return importTargetPage(await session(input.connectorId), input, input.startIndex, trace()).catch(rethrow);
    },

    async importRemaining(input: ImportRun): Promise<ImportCounts & { remaining: number }> {
      return importRemaining(await session(input.connectorId), input, trace()).catch(rethrow);
    },

    async endImport(input: ImportRef & { status: 'completed' | 'failed'; code?: string }): Promise<ImportCounts & { total: number }> {
      const s = await openSession(deps, input.connectorId, runContext());
      return endImport('skipped' in s ? undefined : s, deps, input, input, trace());
    },

    async mailImportSummary(ref: ImportRef): Promise<{ sent: boolean }> {
      return mailImportSummary(deps, ref);
    },
  };
}
