import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { describeGroupStep, type GroupPlan } from '../core/plan/group';
import { describeUserStep, type UserPlan } from '../core/plan/user';
import type { Tx } from '../db/client';
import { resyncItems, resyncRuns } from '../db/schema';
import { profileFor, targetSettings } from '../targets';
import { notFound } from './context';
import { requireConnector } from './connectors';

/** Resync runs, plans and their reports (S2, S3): what was read, planned and applied, item by item. */

export type RunRow = typeof resyncRuns.$inferSelect;

export async function requireRun(tx: Tx, id: string): Promise<RunRow> {
  const [row] = await tx.select().from(resyncRuns).where(eq(resyncRuns.id, id));
  if (!row) throw notFound('run', id);
  return row;
}

export async function listRuns(tx: Tx, connectorId: string, limit: number) {
  await requireConnector(tx, connectorId);
  return tx.select().from(resyncRuns).where(eq(resyncRuns.connectorId, connectorId)).orderBy(desc(resyncRuns.startedAt)).limit(limit);
}

type Stored = { kind: 'user'; plan: UserPlan } | { kind: 'group'; plan: GroupPlan };

/**
 * A run's items, each with the requests it sends (or sent): the exact SCIM operations of a plan, with their
 * target object and the attributes they change; refusals with their reason; unknown accounts reported.
 */
export async function runItems(tx: Tx, run: RunRow, page: { after?: number; limit: number }) {
  const connector = await requireConnector(tx, run.connectorId);
  const deactivation = profileFor(targetSettings(connector)).dialect.deactivation;
  const rows = await tx
    .select()
    .from(resyncItems)
    .where(and(eq(resyncItems.runId, run.id), page.after === undefined ? undefined : gt(resyncItems.seq, page.after)))
    .orderBy(asc(resyncItems.seq))
    .limit(page.limit);
  return rows.map((r) => {
    const stored = r.step as Stored | null;
    const requests = !stored
      ? []
      : stored.kind === 'user'
        ? stored.plan.steps.flatMap((s) => describeUserStep(s, deactivation) ?? [])
        : stored.plan.steps.flatMap((s) => describeGroupStep(s) ?? []);
    return { seq: r.seq, objectType: r.objectType, objectId: r.objectId, op: r.op, outcome: r.outcome, code: r.code, message: r.message, requests };
  });
}
