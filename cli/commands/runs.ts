import type { Command } from 'commander';
import { CliError } from '../http';
import { progressBar, record, table } from '../format';
import { type Row, api, json, path, print, query } from '../program';

type Counts = { read?: { users: number; groups: number }; planned?: Record<string, number>; applied?: Record<string, number>; unknown?: number; held?: number };
type Run = Row & { id: string; mode: string; status: string; counts: Counts; progress?: Counts & { phase: string } };
type Item = { seq: number; objectType: string; objectId: string; op: string; outcome: string; code: string | null; message: string | null; requests: Array<{ method: string; path: string; attributes: string[] }> };

const sum = (o: Record<string, number> | undefined, skip = 'unchanged') => Object.entries(o ?? {}).filter(([k]) => !k.endsWith(skip)).reduce((n, [, v]) => n + v, 0);
const list = (o: Record<string, number> | undefined) => Object.entries(o ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing';

/** One line for a run: its phase, what it read, planned and applied. */
export function runLine(run: Run): string {
  const c = run.progress ?? run.counts;
  const planned = sum(c.planned);
  const applied = sum(c.applied);
  const phase = run.progress?.phase ?? run.status;
  const bar = run.mode === 'plan' ? '' : `${progressBar(applied, planned)} `;
  return `${bar}${run.id} (${run.mode}) ${phase}: read ${c.read?.users ?? 0} users, ${c.read?.groups ?? 0} groups · planned ${list(c.planned)} · applied ${list(c.applied)} · held ${c.held ?? 0} · unknown ${c.unknown ?? 0}`;
}

/** The items as rows: one per request, or one for a refusal or an unknown account. */
function itemRows(items: Item[]): Row[] {
  return items.flatMap((i) =>
    i.requests.length > 0
      ? i.requests.map((r) => ({ object: `${i.objectType} ${i.objectId}`, does: i.op, method: r.method, path: r.path, attributes: r.attributes, outcome: i.outcome }))
      : [{ object: `${i.objectType} ${i.objectId}`, does: i.op, method: '', path: '', attributes: [], outcome: i.code ? `${i.outcome}: ${i.code}` : i.outcome, message: i.message }],
  );
}

async function allItems(runId: string): Promise<{ run: Run; items: Item[] }> {
  const client = api();
  let after: number | undefined;
  const items: Item[] = [];
  let run: Run;
  do {
    const page = await client<Run & { items: Item[]; next?: number }>('GET', path('/v1/runs', runId) + query({ limit: '500', after: after === undefined ? undefined : String(after) }));
    run = page;
    items.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return { run, items };
}

async function watch(runId: string): Promise<Run> {
  const client = api();
  const redraw = process.stdout.isTTY && !json();
  for (;;) {
    const run = await client<Run>('GET', path('/v1/runs', runId) + query({ limit: '1' }));
    const line = json() ? JSON.stringify({ id: run.id, status: run.status, progress: run.progress ?? run.counts }) : runLine(run);
    process.stdout.write(redraw ? `\r\x1b[2K${line}` : `${line}\n`);
    if (run.status !== 'running') {
      if (redraw) process.stdout.write('\n');
      return run;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Scheduled resyncs, plans and their reports (S1–S3). */
export function runCommands(connector: Command): void {
  connector
    .command('resync <id>')
    .description('show the connector’s resync schedule (spec, paused, next and recent runs with their outcome), or change it: --every 30m | --cron "0 * * * *" [--timezone Europe/London], --pause, --unpause, --now (run one now)')
    .option('--every <interval>', 'run every interval: 30m, 1h, 1d')
    .option('--cron <expression>', 'run at the times of a cron expression (five fields)')
    .option('--timezone <zone>', 'the IANA time zone of --cron (default UTC)')
    .option('--pause', 'pause the schedule')
    .option('--unpause', 'unpause the schedule')
    .option('--now', 'run a resync now (skipped if one is running)')
    .action(async (id: string, o: { every?: string; cron?: string; timezone?: string; pause?: boolean; unpause?: boolean; now?: boolean }) => {
      const client = api();
      if (o.pause && o.unpause) throw new CliError('give --pause or --unpause, not both');
      const change = { every: o.every, cron: o.cron, timezone: o.timezone, paused: o.pause ? true : o.unpause ? false : undefined };
      if (Object.values(change).some((v) => v !== undefined)) await client('PATCH', path('/v1/connectors', id, 'resync'), change);
      if (o.now) await client('POST', path('/v1/connectors', id, 'resync', 'run'));
      const s = await client<Row & { spec: Record<string, string>; nextRuns: string[]; recentRuns: Array<Row> }>('GET', path('/v1/connectors', id, 'resync'));
      print(s, () => {
        const spec = s.spec.cron ? `cron "${s.spec.cron}" (${s.spec.timezone ?? 'UTC'})` : `every ${s.spec.every}`;
        const head = `${String(s.scheduleId)}: ${spec}${s.paused ? ', paused' : ''}${o.now ? '; a run was started' : ''}\nnext: ${s.nextRuns.slice(0, 3).join(', ') || '(none)'}`;
        return `${head}\n${table(s.recentRuns, ['takenAt', 'workflowId', 'runId', 'status'])}`;
      });
    });

  connector
    .command('runs <id>')
    .description('list the connector’s resync runs and plans, newest first')
    .option('--limit <n>', 'how many', '20')
    .action(async (id: string, o: { limit: string }) => {
      const page = await api()<{ items: Run[] }>('GET', path('/v1/connectors', id, 'runs') + query({ limit: o.limit }));
      print(page, () => page.items.map(runLine).join('\n') || '(none)');
    });

  connector
    .command('run <runId>')
    .description('show a run or plan: its counts and its items, one row per SCIM request (--watch: follow a running one until it ends)')
    .option('--watch', 'refresh every second until the run ends (a bar redrawn in place on a terminal)')
    .action(async (runId: string, o: { watch?: boolean }) => {
      if (o.watch) await watch(runId);
      const { run, items } = await allItems(runId);
      print({ ...run, items }, () => `${runLine(run)}\n\n${table(itemRows(items), ['object', 'does', 'method', 'path', 'attributes', 'outcome'])}`);
    });

  connector
    .command('plan <id>')
    .description('plan a resync without performing it: the exact SCIM requests it would send now (dry run); apply it with `connector apply <planId>`')
    .action(async (id: string) => {
      const started = await api()<{ planId?: string; status?: string }>('POST', path('/v1/connectors', id, 'plan'));
      if (!started.planId) throw new CliError('the plan is being made; list it with `bindery connector runs`');
      if (started.status === undefined) await watch(started.planId);
      const { run, items } = await allItems(started.planId);
      print({ ...run, items }, () => `${runLine(run)}\n\n${items.length === 0 ? 'nothing to change' : table(itemRows(items), ['object', 'does', 'method', 'path', 'attributes', 'outcome', 'message'])}\n\napply it: bindery connector apply ${run.id}`);
    });

  connector
    .command('apply <planId>')
    .description('apply a plan as it is; refused when the directory or the target changed since it was made (plan again)')
    .action(async (planId: string) => {
      const started = await api()<{ runId?: string; status?: string }>('POST', path('/v1/plans', planId, 'apply'));
      if (!started.runId) throw new CliError('the plan is being applied; list the runs with `bindery connector runs`');
      const run = started.status === undefined ? await watch(started.runId) : await api()<Run>('GET', path('/v1/runs', started.runId) + query({ limit: '1' }));
      print(run, () => record({ run: run.id, status: run.status, applied: list(run.counts.applied), held: run.counts.held ?? 0 }));
    });
}
