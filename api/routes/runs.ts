import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { newId } from '../../core/ids';
import { describeResyncSchedule, triggerResync, updateResyncSchedule } from '../../dispatch/schedules';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { type ResyncInput, type ResyncProgress, resyncProgress } from '../../workflows/resync';
import { DomainError, notFound } from '../../services/context';
import { requireConnector } from '../../services/connectors';
import * as runs from '../../services/runs';
import { type ApiDeps, type App, doc } from '../context';
import { Id, IdParam, Limit, NoContent, responses } from '../schemas';

const Counts = z.object({
  read: z.object({ users: z.number(), groups: z.number() }),
  planned: z.record(z.string(), z.number()),
  applied: z.record(z.string(), z.number()),
  unknown: z.number(),
  held: z.number(),
});
const Run = z.object({
  id: z.string(),
  connectorId: z.string(),
  mode: z.enum(['resync', 'plan', 'apply']),
  status: z.enum(['running', 'completed', 'failed', 'stale']),
  planId: z.string().nullable(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  counts: Counts.partial().or(z.object({})),
  fingerprint: z.string().nullable(),
  error: z.string().nullable(),
  workflowId: z.string().nullable(),
  progress: z.object({ phase: z.string() }).loose().optional().describe('a running run’s progress, from its workflow'),
});
const Item = z.object({
  seq: z.number(),
  objectType: z.string(),
  objectId: z.string(),
  op: z.string(),
  outcome: z.string(),
  code: z.string().nullable(),
  message: z.string().nullable(),
  requests: z.array(z.object({ method: z.string(), path: z.string(), attributes: z.array(z.string()) })),
});
const RunWithItems = Run.extend({ items: z.array(Item), next: z.number().optional() });
const Duration = z.string().regex(/^\d+[smhd]$/, 'an interval like 30m, 1h, 1d');
const ScheduleBody = z
  .strictObject({
    every: Duration.optional().describe('run every interval (30m, 1h, 1d)'),
    cron: z.string().max(100).regex(/^\S+( \S+){4}$/, 'five cron fields').optional().describe('or a cron expression (five fields)…'),
    timezone: z.string().max(64).optional().describe('…in this IANA time zone (default UTC)'),
    paused: z.boolean().optional(),
  })
  .refine((b) => !(b.every && b.cron), 'give every or cron, not both')
  .refine((b) => !b.timezone || b.cron, 'a time zone goes with a cron expression')
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'send at least one field to change');
const Schedule = z.object({
  scheduleId: z.string(),
  paused: z.boolean(),
  note: z.string().optional(),
  spec: z.object({ every: z.string().optional(), cron: z.string().optional(), timezone: z.string().optional() }),
  nextRuns: z.array(z.date()),
  recentRuns: z.array(z.object({ workflowId: z.string(), scheduledAt: z.date(), takenAt: z.date(), runId: z.string().nullable(), status: z.string().nullable(), counts: z.object({}).loose().nullable() })),
});
const ItemsQuery = z.object({ limit: Limit, after: z.coerce.number().int().min(-1).optional().describe('continue after this item (the previous page’s `next`)') });

/** How long a plan or an apply request waits for its run before answering 202 with the run to follow. */
const WAIT_MS = 60_000;

async function progressOf(temporal: Client, run: runs.RunRow): Promise<ResyncProgress | undefined> {
  if (run.status !== 'running' || !run.workflowId) return undefined;
  try {
    return await temporal.workflow.getHandle(run.workflowId).query(resyncProgress);
  } catch {
    return undefined; // finishing, or its worker is away: the stored counts stand
  }
}

/** Starts a plan or an apply run and waits for it a while; the run's ID either way. */
async function runNow(deps: ApiDeps, connectorId: string, input: ResyncInput, workflowId: string): Promise<{ done: boolean; runId?: string; status?: string }> {
  const handle = await deps.temporal.workflow.start('resync', {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [input],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.connectorId, value: connectorId },
      { key: SEARCH_ATTRIBUTES.operation, value: input.mode ?? 'resync' },
    ],
  });
  const result = await Promise.race([handle.result() as Promise<{ runId?: string; status: string; code?: string }>, new Promise<undefined>((r) => setTimeout(r, WAIT_MS))]);
  if (result) {
    if (result.status === 'skipped') throw new DomainError('conflict', `Nothing was run: ${result.code === 'idm_inactive' ? 'identity management is not active for this connector' : result.code}.`);
    return { done: true, runId: result.runId, status: result.status };
  }
  for (let i = 0; i < 50; i++) {
    const [run] = await deps.db.query.resyncRuns.findMany({ where: (r, { eq }) => eq(r.workflowId, workflowId), limit: 1 });
    if (run) return { done: false, runId: run.id };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { done: false };
}

export function runRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const tag = 'resync';

  app.get(
    '/v1/connectors/:id/resync',
    { schema: { ...doc(tag, 'show the resync schedule', 'Its spec, whether it is paused, the next runs and the recent ones with their outcome (S1). 404 when the connector has none (identity management inactive).'), params: IdParam, response: responses({ 200: Schedule }, [404]) } },
    async (req) => {
      await requireConnector(db, req.params.id);
      const view = await describeResyncSchedule(deps.temporal, req.params.id);
      if (!view) throw new DomainError('not_found', `Connector ${req.params.id} has no resync schedule: it is created when identity management is activated.`);
      const recent = await Promise.all(
        view.recentRuns.map(async (r) => {
          const [run] = await db.query.resyncRuns.findMany({ where: (t, { eq }) => eq(t.workflowId, r.workflowId), limit: 1 });
          return { ...r, runId: run?.id ?? null, status: run?.status ?? null, counts: (run?.counts as Record<string, unknown>) ?? null };
        }),
      );
      return { ...view, recentRuns: recent };
    },
  );

  app.patch(
    '/v1/connectors/:id/resync',
    { schema: { ...doc(tag, 'change the resync schedule', 'An interval (every) or a cron expression with a time zone; pause or unpause.'), params: IdParam, body: ScheduleBody, response: responses({ 200: Schedule }, [404], { body: true }) } },
    async (req) => {
      await requireConnector(db, req.params.id);
      if (!(await describeResyncSchedule(deps.temporal, req.params.id))) throw notFound('resync schedule of connector', req.params.id);
      const { every, cron, timezone, paused } = req.body;
      await updateResyncSchedule(deps.temporal, req.params.id, { spec: every ? { every } : cron ? { cron, timezone } : undefined, paused });
      const view = (await describeResyncSchedule(deps.temporal, req.params.id))!;
      return { ...view, recentRuns: view.recentRuns.map((r) => ({ ...r, runId: null, status: null, counts: null })) };
    },
  );

  app.post(
    '/v1/connectors/:id/resync/run',
    { schema: { ...doc(tag, 'run a resync now', 'Through the schedule: skipped when one is running. 204.'), params: IdParam, response: responses({ 204: NoContent }, [404]) } },
    async (req, reply) => {
      await requireConnector(db, req.params.id);
      if (!(await describeResyncSchedule(deps.temporal, req.params.id))) throw notFound('resync schedule of connector', req.params.id);
      await triggerResync(deps.temporal, req.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/connectors/:id/runs',
    { schema: { ...doc(tag, 'list a connector’s resync runs and plans', 'Newest first.'), params: IdParam, querystring: z.object({ limit: Limit }), response: responses({ 200: z.object({ items: z.array(Run) }) }, [404]) } },
    async (req) => ({ items: await runs.listRuns(db, req.params.id, req.query.limit) }),
  );

  app.get(
    '/v1/runs/:id',
    {
      schema: {
        ...doc(tag, 'show a run or plan: counts, progress and its items', 'Each item: the object, what its plan does, the SCIM requests (method, path, attributes), and its outcome (planned, applied, failed, refused, held, reported).'),
        params: z.object({ id: Id }),
        querystring: ItemsQuery,
        response: responses({ 200: RunWithItems }, [404]),
      },
    },
    async (req) => {
      const run = await runs.requireRun(db, req.params.id);
      const items = await runs.runItems(db, run, req.query);
      const progress = await progressOf(deps.temporal, run);
      return { ...run, ...(progress ? { progress } : {}), items, next: items.length === req.query.limit ? items.at(-1)!.seq : undefined };
    },
  );

  app.post(
    '/v1/connectors/:id/plan',
    {
      schema: {
        ...doc(tag, 'plan a resync without performing it (dry run)', 'Reads the whole target and plans exactly what a resync would send now, without sending it (S3): 200 with the plan when it is ready within a minute, else 202 with its ID to follow. Apply it with POST /v1/plans/{id}/apply.'),
        params: IdParam,
        response: responses({ 200: z.object({ planId: z.string(), status: z.string() }), 202: z.object({ planId: z.string().optional() }) }, [404, 409]),
      },
    },
    async (req, reply) => {
      await requireConnector(db, req.params.id);
      const r = await runNow(deps, req.params.id, { connectorId: req.params.id, mode: 'plan' }, `plan/${req.params.id}/${newId('plan')}`);
      return r.done ? { planId: r.runId!, status: r.status! } : reply.code(202).send({ planId: r.runId });
    },
  );

  app.post(
    '/v1/plans/:id/apply',
    {
      schema: {
        ...doc(tag, 'apply a plan as it is', 'Plans again and applies only if the new plan is the same (S3): 409 when the directory or the target changed since (plan again). 200 with the run when it ends within a minute, else 202.'),
        params: z.object({ id: Id }),
        response: responses({ 200: z.object({ runId: z.string(), status: z.string() }), 202: z.object({ runId: z.string().optional() }) }, [404, 409]),
      },
    },
    async (req, reply) => {
      const plan = await runs.requireRun(db, req.params.id);
      if (plan.mode !== 'plan') throw new DomainError('conflict', `${plan.id} is a ${plan.mode} run, not a plan.`);
      if (plan.status !== 'completed') throw new DomainError('conflict', `Plan ${plan.id} is ${plan.status}: plan again.`, { api: `POST /v1/connectors/${plan.connectorId}/plan`, cli: `bindery connector plan ${plan.connectorId}` });
      const r = await runNow(deps, plan.connectorId, { connectorId: plan.connectorId, mode: 'apply', planId: plan.id }, `apply/${plan.connectorId}/${plan.id}`);
      if (r.done && r.status === 'stale') {
        throw new DomainError('conflict', `Plan ${plan.id} was not applied: the directory or the target changed since it was made, so it would no longer send the same requests.`, {
          api: `Plan again: POST /v1/connectors/${plan.connectorId}/plan.`,
          cli: `Plan again: bindery connector plan ${plan.connectorId}.`,
        });
      }
      return r.done ? { runId: r.runId!, status: r.status! } : reply.code(202).send({ runId: r.runId });
    },
  );
}
