import { Option } from 'commander';
import { table } from '../format';
import { type Page, type Row, api, more, print, program, query } from './common';

export function eventCommands(): void {
  program
    .command('events')
    .description('list Directory Insights events, newest first')
    .option('--type <type>', 'event type, e.g. user_create_provision')
    .option('--connector <id>', 'connector ID')
    .option('--user <id>', 'directory user ID')
    .addOption(new Option('--outcome <outcome>', 'success or failure').choices(['success', 'failure']))
    .option('--since <time>', 'ISO time or date, inclusive')
    .option('--until <time>', 'ISO time or date, inclusive')
    .option('--before <id>', 'continue with events older than this event ID')
    .option('--limit <n>', 'page size', '50')
    .action(async (o: Record<string, string | undefined>) => {
      const q = query({ type: o.type, connectorId: o.connector, userId: o.user, outcome: o.outcome, since: o.since, until: o.until, before: o.before, limit: o.limit });
      const page = await api()<Page<Row>>('GET', `/v1/events${q}`);
      print(page, () => table(page.items, ['id', 'at', 'type', 'outcome', 'objectId', 'errorCode', 'message', 'workflowId']) + more(page, '--before'));
    });
}
