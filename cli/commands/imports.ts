import { type Command, Option } from 'commander';
import { printable } from '../../core/text';
import { progressBar, table } from '../format';
import { CliError } from '../http';
import { type Row, api, json, more, path, print, query, warn } from '../program';

type Candidate = { remoteId: string; userName: string; name: string; email: string; active: boolean; status: 'new' | 'imported'; match?: string; userId?: string; importable: boolean };
type CandidatePage = { items: Candidate[]; next?: string; counts: { total: number; new: number; imported: number; deactivated: number } };
type Item = { remoteId: string; userName: string | null; outcome: 'pending' | 'created' | 'already_imported' | 'refused'; userId: string | null; code: string | null; reason: string | null };
type Progress = { phase: string; total: number; done: number; created: number; alreadyImported: number; refused: number };
type Import = Row & {
  id: string;
  connectorId: string;
  status: 'running' | 'completed' | 'failed';
  total: number;
  created: number;
  alreadyImported: number;
  refused: number;
  notifyEmail: string | null;
  workflowId: string | null;
  error: string | null;
  progress?: Progress;
  items?: Item[];
  next?: string;
};

const OUTCOMES = ['pending', 'created', 'already_imported', 'refused'] as const;
const NOT_MANAGED = 'Imported users are not managed until a group bound to the connector includes them (bindery group add-member <groupId> <userId>); until then Bindery leaves their accounts as they are.';

/** One line for an import: a bar of the accounts decided, then the counts. */
export function importLine(i: Import): string {
  const p = i.progress ?? { phase: i.status, total: i.total, done: i.created + i.alreadyImported + i.refused, created: i.created, alreadyImported: i.alreadyImported, refused: i.refused };
  const phase = i.status === 'running' ? (i.progress?.phase ?? 'running') : i.status;
  // The selection's size is known from the start; the workflow learns it when it begins.
  const total = Math.max(p.total, i.total);
  return `${progressBar(p.done, total)} ${i.id} ${phase}: ${p.done}/${total} · created ${p.created} · already imported ${p.alreadyImported} · refused ${p.refused}`;
}

/** One line per account: what became of it. */
function itemLine(item: Item): string {
  const who = `${item.remoteId} ${printable(item.userName ?? '')}`.trim();
  switch (item.outcome) {
    case 'created':
      return `created           ${who} → ${item.userId}`;
    case 'already_imported':
      return `already imported  ${who} → ${item.userId} (${printable(item.reason ?? '')})`;
    case 'refused':
      return `refused           ${who}: ${printable(item.reason ?? '')}`;
    default:
      return `pending           ${who}`;
  }
}

async function allItems(importId: string, outcome?: (typeof OUTCOMES)[number]): Promise<Item[]> {
  const client = api();
  const items: Item[] = [];
  for (let after: string | undefined; ; ) {
    const page = await client<Import>('GET', path('/v1/imports', importId) + query({ limit: '500', after, outcome }));
    items.push(...(page.items ?? []));
    if (page.next === undefined) return items;
    after = page.next;
  }
}

/** Follows a running import every second until it ends (a bar redrawn in place on a terminal, else a line per refresh). */
async function watch(importId: string): Promise<Import> {
  const client = api();
  const redraw = process.stdout.isTTY && !json();
  for (;;) {
    const i = await client<Import>('GET', path('/v1/imports', importId) + query({ limit: '1' }));
    const line = json() ? JSON.stringify({ id: i.id, status: i.status, progress: i.progress ?? { total: i.total, created: i.created, alreadyImported: i.alreadyImported, refused: i.refused } }) : importLine(i);
    process.stdout.write(redraw ? `\r\x1b[2K${line}` : `${line}\n`);
    if (i.status !== 'running') {
      if (redraw) process.stdout.write('\n');
      return i;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The end of an import, as text: a line per user then the import's line (an import answered at once), or
 * the refusals after the watched bar; and what imported users need next. A failed import is an error.
 */
async function report(i: Import, items?: Item[]): Promise<void> {
  if (!json()) {
    const lines = items ? [...items.map(itemLine), importLine(i)] : (await allItems(i.id, 'refused')).map(itemLine);
    const all = [...lines, ...(i.created > 0 ? [NOT_MANAGED] : [])];
    if (all.length > 0) console.log(all.join('\n'));
  }
  if (i.status === 'failed') throw new CliError(`import ${i.id} failed: ${printable(i.error ?? 'unknown error')}; import the rest again (what is done is not done twice)`);
}

function splitIds(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Importing the target's users into the directory (M1–M3). */
export function importCommands(connector: Command): void {
  connector
    .command('import-list <id>')
    .description('list the users in the connector’s Slack, each new or imported (linked, or a directory user has the username or email); new first, deactivated users shown as such')
    .option('--new-only', 'only users not in the directory yet')
    .option('--search <text>', 'words that must all appear in the username, name or email')
    .option('--limit <n>', 'how many', '50')
    .option('--after <cursor>', 'continue after this cursor (the previous page’s `more:`)')
    .action(async (id: string, o: { newOnly?: boolean; search?: string; limit: string; after?: string }) => {
      const page = await api()<CandidatePage>('GET', path('/v1/connectors', id, 'import-candidates') + query({ newOnly: o.newOnly ? 'true' : undefined, search: o.search, limit: o.limit, after: o.after }));
      print(page, () => {
        const c = page.counts;
        const rows = page.items.map((u) => ({
          status: u.status,
          remoteId: u.remoteId,
          userName: u.userName,
          name: u.name,
          email: u.email,
          account: u.active ? 'active' : 'deactivated',
          directoryUser: u.userId ? `${u.userId} (${u.match})` : '',
        }));
        const head = `${c.total} user(s) in the target: ${c.new} new, ${c.imported} imported, ${c.deactivated} deactivated`;
        return `${head}\n${table(rows, ['status', 'remoteId', 'userName', 'name', 'email', 'account', 'directoryUser'])}${more(page, '--after')}`;
      });
    });

  connector
    .command('import <id>')
    .description('import users of the connector’s Slack into the directory: --ids U1,U2 or --all-new; up to 100 the result comes at once (one line per user), more run in the background (--watch shows a bar) and the admin is emailed when done')
    .option('--ids <ids...>', 'the Slack user IDs to import (comma- or space-separated)')
    .option('--all-new', 'every user marked new by import-list')
    .option('--include-deactivated', 'also import deactivated users (as suspended directory users)')
    .option('--notify-email <email>', 'who is emailed when a background import completes (default: the connector’s notify email, else BINDERY_ADMIN_EMAIL)')
    .option('--watch', 'follow a background import until it ends')
    .action(async (id: string, o: { ids?: string[]; allNew?: boolean; includeDeactivated?: boolean; notifyEmail?: string; watch?: boolean }) => {
      const ids = o.ids ? splitIds(o.ids) : undefined;
      if ((ids !== undefined) === (o.allNew === true)) throw new CliError('give --ids <id,…> or --all-new (one of them); see `bindery connector import-list` for the IDs');
      if (ids?.length === 0) throw new CliError('--ids: no ID given');
      const body = { ...(ids ? { remoteIds: ids } : { allNew: true }), ...(o.includeDeactivated ? { includeDeactivated: true } : {}), ...(o.notifyEmail ? { notifyEmail: o.notifyEmail } : {}) };
      const started = await api()<Import & { warnings?: unknown }>('POST', path('/v1/connectors', id, 'imports'), body);
      warn(started);
      if (started.items) {
        const items = started.next === undefined ? started.items : await allItems(started.id);
        if (json()) print({ ...started, items }, () => '');
        return report(started, items);
      }
      const background = [
        `import ${started.id}: ${started.total} user(s), running in the background as ${started.workflowId}.`,
        `${started.notifyEmail ?? 'The connector’s admin'} is emailed a summary when it completes.`,
      ];
      if (!o.watch) {
        print(started, () => [...background, `Follow it: bindery connector import-status ${started.id} --watch`].join('\n'));
        return;
      }
      if (!json()) console.log(background.join('\n'));
      await report(await watch(started.id));
    });

  connector
    .command('import-status <importId>')
    .description('show an import: its status and counts, and its users with what became of each (--watch: follow a running one until it ends)')
    .addOption(new Option('--outcome <outcome>', 'only the users with this outcome').choices(OUTCOMES))
    .option('--watch', 'refresh every second until the import ends (a bar redrawn in place on a terminal)')
    .action(async (importId: string, o: { outcome?: (typeof OUTCOMES)[number]; watch?: boolean }) => {
      if (o.watch) await watch(importId);
      const client = api();
      const i = await client<Import>('GET', path('/v1/imports', importId) + query({ limit: '1' }));
      const items = await allItems(importId, o.outcome);
      print({ ...i, items, next: undefined }, () => [importLine(i), ...(i.error ? [`error: ${printable(i.error)}`] : []), ...items.map(itemLine)].join('\n'));
    });

  connector
    .command('imports <id>')
    .description('list the connector’s imports, newest first, with their counts')
    .option('--limit <n>', 'how many', '20')
    .action(async (id: string, o: { limit: string }) => {
      const page = await api()<{ items: Import[] }>('GET', path('/v1/connectors', id, 'imports') + query({ limit: o.limit }));
      print(page, () => page.items.map(importLine).join('\n') || '(none)');
    });
}
