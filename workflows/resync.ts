import { ActivityFailure, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { emptyCounts, type RunCounts, type RunMode } from '../core/runs';

export type ResyncInput = { connectorId: string; mode?: RunMode; planId?: string };
export type ResyncProgress = { runId?: string; mode: RunMode; phase: 'starting' | 'reading' | 'planning' | 'applying' | 'done'; status?: string } & RunCounts;
export type ResyncResult = { runId?: string; status: 'completed' | 'failed' | 'stale' | 'skipped'; code?: string; counts: RunCounts };

/** What a running resync has done so far: read, planned, applied (O3). */
export const resyncProgress = defineQuery<ResyncProgress>('progress');

const pages = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes', // includes waiting for the rate governor
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['Skipped'] },
});

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/**
 * resync/<connectorId> (run by its Temporal Schedule, S1), plan/<connectorId>/… (a dry run, S3) and
 * apply/<connectorId>/… (a plan carried out): a full reconciliation in pages (engine/resync.ts). The
 * history holds IDs and counts only.
 */
export async function resync(input: ResyncInput): Promise<ResyncResult> {
  const mode = input.mode ?? 'resync';
  const counts: RunCounts = emptyCounts();
  const progress: ResyncProgress = { mode, phase: 'starting', ...counts };
  setHandler(resyncProgress, () => ({ ...progress, ...counts }));

  const begun = await pages.beginRun({ connectorId: input.connectorId, mode, planId: input.planId });
  if ('skipped' in begun) return { status: 'skipped', code: begun.skipped, counts };
  const ref = { connectorId: input.connectorId, runId: begun.runId };
  progress.runId = begun.runId;

  try {
    progress.phase = 'reading';
    for (let next: number | undefined = 1; next !== undefined; ) {
      const r: { next?: number; read: number } = await pages.readTargetPages({ ...ref, startIndex: next });
      counts.read.users += r.read;
      next = r.next;
    }
    await pages.saveRunCounts({ ...ref, counts });

    progress.phase = 'planning';
    let seq = 0;
    let deactivations = 0;
    for (let after: string | undefined, first = true; first || after !== undefined; first = false) {
      const r: { next?: string; counts: Record<string, number>; items: number; deactivations: number } = await pages.planUserPage({ ...ref, after, seq });
      add(counts.planned, r.counts);
      seq += r.items;
      deactivations += r.deactivations;
      after = r.next;
    }
    const groups = await pages.planConnectorGroups({ ...ref, seq });
    add(counts.planned, groups.counts);
    counts.read.groups = groups.read;
    seq += groups.items;
    counts.unknown = await pages.reportUnknownAccounts({ ...ref, seq });
    const sealed = await pages.sealPlan({ ...ref, planId: mode === 'apply' ? input.planId : undefined, deactivations });
    if (mode === 'plan') {
      counts.held = sealed.wouldHold;
      await pages.endRun({ ...ref, status: 'completed', counts, fingerprint: sealed.fingerprint });
      progress.phase = 'done';
      return { runId: begun.runId, status: 'completed', counts };
    }
    if (sealed.stale) {
      await pages.endRun({ ...ref, status: 'stale', counts, fingerprint: sealed.fingerprint });
      progress.phase = 'done';
      return { runId: begun.runId, status: 'stale', code: 'plan_stale', counts };
    }
    await pages.saveRunCounts({ ...ref, counts });

    progress.phase = 'applying';
    for (let afterSeq: number | undefined = -1; afterSeq !== undefined; ) {
      const r: { next?: number; applied: Record<string, number>; held: number } = await pages.applyRunItems({ ...ref, afterSeq });
      add(counts.applied, r.applied);
      counts.held += r.held;
      afterSeq = r.next;
    }
    await pages.endRun({ ...ref, status: 'completed', counts, fingerprint: sealed.fingerprint });
    progress.phase = 'done';
    return { runId: begun.runId, status: 'completed', counts };
  } catch (err) {
    const code = err instanceof ActivityFailure ? (err.cause?.name ?? 'failed') : 'failed';
    await pages.endRun({ ...ref, status: 'failed', counts, error: `${code} in ${workflowInfo().workflowId}` });
    throw err;
  }
}
