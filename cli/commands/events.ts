import { Option } from 'commander';
import { TIME_FORMS } from '../../core/time';
import { table } from '../format';
import { type Page, type Row, api, more, print, program, query } from '../program';

export function eventCommands(): void {
  program
    .command('events')
    .description('list Directory Insights events, newest first')
    .option('--type <type>', 'event type, e.g. user_create_provision')
    .option('--connector <id>', 'connector ID')
    .option('--user <id>', 'directory user ID')
    .addOption(new Option('--outcome <outcome>', 'success or failure').choices(['success', 'failure']))
    .option('--since <time>', `inclusive: ${TIME_FORMS}`)
    .option('--until <time>', `inclusive: ${TIME_FORMS}`)
    .option('--before <id>', 'continue with events older than this event ID')
    .option('--limit <n>', 'page size', '50')
    .action(async (o: Record<string, string | undefined>) => {
      const q = query({ type: o.type, connectorId: o.connector, userId: o.user, outcome: o.outcome, since: o.since, until: o.until, before: o.before, limit: o.limit });
      const page = await api()<Page<Row>>('GET', `/v1/events${q}`);
      print(page, () => table(page.items, ['id', 'at', 'type', 'outcome', 'objectId', 'errorCode', 'message', 'workflowId']) + more(page, '--before'));
    });
}
