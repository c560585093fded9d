import { record, table } from '../format';
import { type Page, type Row, api, more, path, print, program, query, warn } from '../program';

export function groupCommands(): void {
  const group = program.command('group').description('user groups: a group bound to a connector authorizes its members there');

  group
    .command('create')
    .description('create a user group')
    .requiredOption('--name <name>', 'group name (unique, ignoring case)')
    .action(async (o: { name: string }) => {
      const g = await api()<Row>('POST', '/v1/groups', { name: o.name });
      print(g, () => `created group ${String(g.id)}`);
    });

  group
    .command('list')
    .description('list user groups')
    .option('--limit <n>', 'page size', '50')
    .option('--after <id>', 'continue after this group ID')
    .action(async (o: { limit: string; after?: string }) => {
      const page = await api()<Page<Row>>('GET', `/v1/groups${query({ limit: o.limit, after: o.after })}`);
      print(page, () => table(page.items, ['id', 'name', 'memberCount']) + more(page, '--after'));
    });

  group
    .command('show <id>')
    .description('show a group with its members and the connectors it is bound to')
    .action(async (id: string) => {
      const g = await api()<Row>('GET', path('/v1/groups', id));
      print(g, () => record(g));
    });

  group
    .command('rename <id>')
    .description('rename a group (the new name reaches every Slack it is bound to)')
    .requiredOption('--name <name>', 'new name')
    .action(async (id: string, o: { name: string }) => {
      const g = await api()<Row>('PATCH', path('/v1/groups', id), { name: o.name });
      print(g, () => `renamed group ${id} to "${String(g.name)}"`);
    });

  group
    .command('delete <id>')
    .description('delete a group (deleted in Slack; members deactivated unless another bound group authorizes them)')
    .action(async (id: string) => {
      await api()('DELETE', path('/v1/groups', id));
      print({ deleted: id }, () => `deleted group ${id}`);
    });

  group
    .command('add-member <groupId> <userId>')
    .description('add a user to a group (idempotent)')
    .action(async (groupId: string, userId: string) => {
      const m = await api()<Row>('PUT', path('/v1/groups', groupId, 'members', userId));
      print(m, () => `added ${userId} to group ${groupId}`);
      warn(m);
    });

  group
    .command('remove-member <groupId> <userId>')
    .description('remove a user from a group (idempotent)')
    .action(async (groupId: string, userId: string) => {
      await api()('DELETE', path('/v1/groups', groupId, 'members', userId));
      print({ groupId, userId, member: false }, () => `removed ${userId} from group ${groupId}`);
    });
}
