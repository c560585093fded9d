import { ActivityFailure, continueAsNew, defineQuery, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { addCounts, type ImportCounts, type ImportProgress, noCounts } from '../core/import';
import { failureCode } from './object-sync';

export type ImportInput = {
  connectorId: string;
  importId: string;
  /** Deactivated accounts are imported (as suspended directory users) only when asked. */
  includeDeactivated?: boolean;
  /** Email the summary when done: background imports (more than INLINE_IMPORT_LIMIT accounts). */
  notify?: boolean;
  /** Where a run that continued as new resumes reading the target. */
  startIndex?: number;
};
export type ImportResult = ImportCounts & { status: 'completed' | 'skipped'; code?: string; total: number };

/** How far the import has got (O3): the accounts decided so far, by outcome, of the total selected. */
export const importProgress = defineQuery<ImportProgress>('progress');

const work = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes', // includes waiting for the rate governor (which keeps beating)
  heartbeatTimeout: '20 seconds', // a killed worker's batch moves on within seconds
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['Skipped', 'ScimPermanent'] },
});

// Mail may be down for a while: keep trying for hours; the import itself is done either way.
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 25 },
});

/**
 * import/<connectorId>/<importId>: imports the selected accounts of the connector's target into the
 * directory (M1–M2), a page or a batch of accounts per activity, never one per account; then closes the
 * import and, for a background import, emails the admin who started it. The history holds IDs and counts
 * only. A retried activity, a killed worker or a second run of the same import decide nothing twice
 * (db/imports.ts).
 */
export async function importUsers(input: ImportInput): Promise<ImportResult> {
  const ref = { connectorId: input.connectorId, importId: input.importId };
  const run = { ...ref, includeDeactivated: input.includeDeactivated ?? false };
  const progress: ImportProgress = { importId: input.importId, phase: 'starting', total: 0, done: 0, ...noCounts() };
  setHandler(importProgress, () => ({ ...progress }));
  const add = (c: ImportCounts) => {
    addCounts(progress, c);
    progress.done = progress.created + progress.alreadyImported + progress.refused;
  };

  const begun = await work.beginImport(ref);
  if ('skipped' in begun) {
    progress.phase = 'done';
    return { status: 'skipped', code: begun.skipped, total: 0, ...noCounts() };
  }
  progress.total = begun.total;
  add(begun.counts);

  try {
    if (begun.strategy === 'scan' && begun.pending > 0) {
      progress.phase = 'reading';
      for (let next: number | undefined = input.startIndex ?? 1; next !== undefined; ) {
        const page: ImportCounts & { next?: number } = await work.importTargetPage({ ...run, startIndex: next });
        add(page);
        next = page.next;
        if (next !== undefined && workflowInfo().continueAsNewSuggested) await continueAsNew<typeof importUsers>({ ...input, startIndex: next });
      }
    }
    progress.phase = 'looking_up';
    for (let remaining = begun.pending; remaining > 0; ) {
      const batch: ImportCounts & { remaining: number } = await work.importRemaining(run);
      add(batch);
      remaining = batch.remaining;
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await work.endImport({ ...ref, status: 'failed', code: failureCode(err) });
    progress.phase = 'done';
    throw err;
  }

  progress.phase = 'finishing';
  const final = await work.endImport({ ...ref, status: 'completed' });
  Object.assign(progress, final, { done: final.created + final.alreadyImported + final.refused });
  if (input.notify) {
    try {
      await mail.mailImportSummary(ref);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('import summary not mailed', { code: failureCode(err) });
    }
  }
  progress.phase = 'done';
  return { status: 'completed', ...final };
}
