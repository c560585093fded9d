import { Context } from '@temporalio/activity';
import { and, count, eq, gte, isNotNull, sql } from 'drizzle-orm';
import { deactivationClaims, resyncRuns, userLinks } from '../db/schema';
import { applyItems, finishRun, fingerprint, planGroups, planUsersPage, predictHeld, readTargetUsers, reportUnknown, type RunCounts, type RunMode, startRun } from '../engine/resync';
import { type EngineDeps, openSession, type Session } from '../engine/session';
import { rethrowForRetry } from './outcome';
import { runContext } from './context';

export type RunRef = { connectorId: string; runId: string };

/** The full reconciliation's activities (engine/resync.ts): each a page of work, IDs and counts in and out. */
export function createResyncActivities(deps: EngineDeps) {
  async function session(connectorId: string): Promise<Session> {
    const s = await openSession(deps, connectorId, runContext());
    if ('skipped' in s) throw Object.assign(new Error(`connector ${connectorId}: ${s.skipped}`), { name: 'Skipped' });
    return s;
  }

  return {
    async beginRun(input: { connectorId: string; mode: RunMode; planId?: string }): Promise<{ runId: string } | { skipped: string }> {
      const s = await openSession(deps, input.connectorId, runContext());
      if ('skipped' in s) return { skipped: s.skipped };
      if (input.mode === 'apply') {
        const [plan] = await deps.db.select().from(resyncRuns).where(eq(resyncRuns.id, input.planId ?? ''));
        if (!plan || plan.mode !== 'plan' || plan.connectorId !== input.connectorId) return { skipped: 'no_such_plan' };
      }
      return { runId: await startRun(deps.db, input.connectorId, input.mode, { planId: input.planId, workflowId: Context.current().info.workflowExecution?.workflowId }) };
    },

    async readTargetPages(input: RunRef & { startIndex: number }): Promise<{ next?: number; read: number }> {
      return readTargetUsers(await session(input.connectorId), input.runId, input.startIndex).catch(rethrowForRetry);
    },

    async planUserPage(input: RunRef & { after?: string; seq: number }) {
      return planUsersPage(await session(input.connectorId), input.runId, input.after, input.seq);
    },

    async planConnectorGroups(input: RunRef & { seq: number }) {
      return planGroups(await session(input.connectorId), input.runId, input.seq).catch(rethrowForRetry);
    },

    async reportUnknownAccounts(input: RunRef & { seq: number }): Promise<number> {
      return reportUnknown(await session(input.connectorId), input.runId, input.seq);
    },

    /** The plan's digest and the deactivations the breaker would hold; for an apply, whether its plan still holds. */
    async sealPlan(input: RunRef & { planId?: string; deactivations: number }): Promise<{ fingerprint: string; stale: boolean; wouldHold: number }> {
      const s = await session(input.connectorId);
      const digest = await fingerprint(deps.db, input.runId);
      let stale = false;
      if (input.planId) {
        const [plan] = await deps.db.select({ fingerprint: resyncRuns.fingerprint, status: resyncRuns.status }).from(resyncRuns).where(eq(resyncRuns.id, input.planId));
        stale = !plan || plan.status !== 'completed' || plan.fingerprint !== digest;
        if (stale) await deps.db.update(resyncRuns).set({ status: 'stale' }).where(eq(resyncRuns.id, input.planId));
      }
      const [{ n: linked } = { n: 0 }] = await deps.db.select({ n: count() }).from(userLinks).where(and(eq(userLinks.connectorId, input.connectorId), isNotNull(userLinks.remoteId)));
      const since = sql`now() - make_interval(mins => ${s.connector.breakerWindowMinutes})`;
      const [{ n: claimed } = { n: 0 }] = await deps.db.select({ n: count() }).from(deactivationClaims).where(and(eq(deactivationClaims.connectorId, input.connectorId), gte(deactivationClaims.at, since)));
      return { fingerprint: digest, stale, wouldHold: predictHeld(s, input.deactivations, linked, claimed) };
    },

    async applyRunItems(input: RunRef & { afterSeq: number }) {
      return applyItems(await session(input.connectorId), input.runId, input.afterSeq);
    },

    async endRun(input: RunRef & { status: 'completed' | 'failed' | 'stale'; counts: RunCounts; fingerprint?: string; error?: string }): Promise<void> {
      await finishRun(await session(input.connectorId), input.runId, input.status, input.counts, input.fingerprint, input.error);
    },

    async saveRunCounts(input: RunRef & { counts: RunCounts }): Promise<void> {
      await deps.db.update(resyncRuns).set({ counts: input.counts }).where(eq(resyncRuns.id, input.runId));
    },
  };
}
