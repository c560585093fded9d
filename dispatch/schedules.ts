import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { ResyncInput } from '../workflows/resync';

/**
 * Each connector with identity management active has a Temporal Schedule `resync/<connectorId>` that runs a
 * full reconciliation (S1), hourly unless changed. Overlapping runs are skipped, not queued; runs missed
 * while Temporal was down are not caught up (the next one covers them). What the admin chose (an interval,
 * or a cron expression with a time zone) is kept in the memo of the schedule's action (IDs and a spec,
 * nothing personal), so the schedule is its one source.
 */

export type ResyncSpec = { every: string; timezone?: undefined; cron?: undefined } | { cron: string; timezone?: string; every?: undefined };

export const DEFAULT_RESYNC_SPEC: ResyncSpec = { every: '1h' };

export const resyncScheduleId = (connectorId: string) => `resync/${connectorId}`;

function temporalSpec(spec: ResyncSpec) {
  return spec.cron !== undefined ? { cronExpressions: [spec.cron], timezone: spec.timezone } : { intervals: [{ every: spec.every as `${number}${'s' | 'm' | 'h' | 'd'}` }] };
}

/** Creates the connector's schedule when identity management is active and it has none; removes it otherwise. */
export async function ensureResyncSchedule(client: Client, taskQueue: string, connectorId: string, active: boolean): Promise<'created' | 'kept' | 'removed' | 'absent'> {
  const handle = client.schedule.getHandle(resyncScheduleId(connectorId));
  let exists = true;
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    exists = false;
  }
  if (active && exists) return 'kept';
  if (!active) {
    if (!exists) return 'absent';
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return 'removed';
  }
  const input: ResyncInput = { connectorId, mode: 'resync' };
  await client.schedule.create({
    scheduleId: resyncScheduleId(connectorId),
    spec: temporalSpec(DEFAULT_RESYNC_SPEC),
    action: {
      type: 'startWorkflow',
      workflowType: 'resync',
      workflowId: resyncScheduleId(connectorId),
      taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.connectorId, value: connectorId },
        { key: SEARCH_ATTRIBUTES.operation, value: 'resync' },
      ],
      memo: { resyncSpec: DEFAULT_RESYNC_SPEC },
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  });
  return 'created';
}

export type ScheduleView = {
  scheduleId: string;
  paused: boolean;
  note?: string;
  spec: ResyncSpec;
  nextRuns: Date[];
  recentRuns: Array<{ workflowId: string; scheduledAt: Date; takenAt: Date }>;
};

export async function describeResyncSchedule(client: Client, connectorId: string): Promise<ScheduleView | undefined> {
  try {
    const d = await client.schedule.getHandle(resyncScheduleId(connectorId)).describe();
    return {
      scheduleId: d.scheduleId,
      paused: d.state.paused,
      note: d.state.note,
      spec: ((d.action.memo as { resyncSpec?: ResyncSpec } | undefined)?.resyncSpec ?? DEFAULT_RESYNC_SPEC) as ResyncSpec,
      nextRuns: d.info.nextActionTimes.slice(0, 5),
      recentRuns: d.info.recentActions.map((a) => ({ workflowId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt, takenAt: a.takenAt })),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/** Changes the spec, pauses or unpauses. */
export async function updateResyncSchedule(client: Client, connectorId: string, change: { spec?: ResyncSpec; paused?: boolean; note?: string }): Promise<void> {
  const handle = client.schedule.getHandle(resyncScheduleId(connectorId));
  if (change.spec) {
    const spec = change.spec;
    await handle.update((prev) => ({ ...prev, spec: temporalSpec(spec), action: { ...prev.action, memo: { ...(prev.action.memo ?? {}), resyncSpec: spec } } }));
  }
  if (change.paused === true) await handle.pause(change.note ?? 'paused by an admin');
  if (change.paused === false) await handle.unpause(change.note ?? 'unpaused by an admin');
  // The schedule takes changes as signals and answers describe as a query, which may run before them:
  // wait until it shows what was asked, so the caller reads back what it set (seconds on a loaded server).
  const shows = (d: Awaited<ReturnType<typeof handle.describe>>) =>
    (change.paused === undefined || d.state.paused === change.paused) &&
    (change.spec === undefined || JSON.stringify((d.action.memo as { resyncSpec?: ResyncSpec } | undefined)?.resyncSpec) === JSON.stringify(change.spec));
  for (const deadline = Date.now() + 30_000; !shows(await handle.describe()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
}

/** Runs a resync now (skipped if one is running). */
export async function triggerResync(client: Client, connectorId: string): Promise<void> {
  await client.schedule.getHandle(resyncScheduleId(connectorId)).trigger(ScheduleOverlapPolicy.SKIP);
}
