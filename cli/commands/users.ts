import { type Command, Option } from 'commander';
import { record, table } from '../format';
import { CliError } from '../http';
import { type Page, type Row, api, defined, more, path, print, program, query, warn } from '../program';

type FieldOptions = {
  username?: string;
  email?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  displayName?: string;
  jobTitle?: string;
  department?: string;
  company?: string;
  employeeIdentifier?: string;
  location?: string;
  phone?: string[];
  address?: string[];
  guest?: boolean | string;
};

/** The attribute flags shared by `user create` and `user update`. */
function fieldOptions(cmd: Command, creating: boolean): Command {
  const opt = (flags: string, description: string) => (creating && (flags.startsWith('--username') || flags.startsWith('--email')) ? cmd.requiredOption(flags, description) : cmd.option(flags, description));
  opt('--username <name>', 'username (Slack: fewer than 21 characters, letters, digits, . _ -)');
  opt('--email <email>', 'primary work email');
  cmd
    .option('--first-name <name>', 'first name')
    .option('--middle-name <name>', 'middle name')
    .option('--last-name <name>', 'last name')
    .option('--display-name <name>', 'display name')
    .option('--job-title <title>', 'job title (Slack: Title and "What I do")')
    .option('--department <name>', 'department')
    .option('--company <name>', 'company (Slack: organization)')
    .option('--employee-identifier <id>', 'employee identifier (Slack: employeeNumber)')
    .option('--location <text>', 'location')
    .option('--phone <type:number...>', `phone numbers, e.g. mobile:+15550100 work:+15550101${creating ? '' : ' (replaces the list)'}`)
    .option('--address <json...>', `addresses as JSON, e.g. '{"type":"work","locality":"London","country":"GB"}'${creating ? '' : ' (replaces the list)'}`);
  if (creating) cmd.option('--guest', 'a multi-channel guest in Slack (Enterprise Grid)');
  else cmd.addOption(new Option('--guest <on|off>', 'a multi-channel guest in Slack (Enterprise Grid)').choices(['on', 'off']));
  return cmd;
}

function phones(list: string[] | undefined) {
  return list?.map((p) => {
    const at = p.indexOf(':');
    return at > 0 ? { type: p.slice(0, at), value: p.slice(at + 1) } : { value: p };
  });
}

function addresses(list: string[] | undefined) {
  return list?.map((a) => {
    try {
      return JSON.parse(a) as unknown;
    } catch {
      throw new CliError(`--address: not JSON: ${a}`);
    }
  });
}

function fields(o: FieldOptions) {
  return defined({
    username: o.username,
    email: o.email,
    firstName: o.firstName,
    middleName: o.middleName,
    lastName: o.lastName,
    displayName: o.displayName,
    jobTitle: o.jobTitle,
    department: o.department,
    company: o.company,
    employeeIdentifier: o.employeeIdentifier,
    location: o.location,
    phoneNumbers: phones(o.phone),
    addresses: addresses(o.address),
    guest: o.guest === undefined ? undefined : o.guest === true || o.guest === 'on',
  });
}

function userAction(cmd: Command, name: string, action: string, description: string, done: string): void {
  cmd
    .command(`${name} <id>`)
    .description(description)
    .action(async (id: string) => {
      const u = await api()<Row>('POST', path('/v1/users', id, action));
      print(u, () => `${done} ${id}`);
    });
}

export function userCommands(): void {
  const user = program.command('user').description('directory users');

  fieldOptions(user.command('create').description('create a directory user'), true)
    .option('--suspended', 'create suspended')
    .action(async (o: FieldOptions & { suspended?: boolean }) => {
      const created = await api()<Row>('POST', '/v1/users', { ...fields(o), suspended: o.suspended === true });
      print(created, () => `created user ${String(created.id)}`);
      warn(created);
    });

  user
    .command('list')
    .description('list directory users (deleted ones are not listed)')
    .option('--limit <n>', 'page size', '50')
    .option('--after <id>', 'continue after this user ID')
    .action(async (o: { limit: string; after?: string }) => {
      const page = await api()<Page<Row>>('GET', `/v1/users${query({ limit: o.limit, after: o.after })}`);
      print(page, () => table(page.items, ['id', 'username', 'email', 'suspended', 'passwordExpired']) + more(page, '--after'));
    });

  user
    .command('show <id>')
    .description('show one directory user, with the groups it belongs to')
    .action(async (id: string) => {
      const u = await api()<Row>('GET', path('/v1/users', id));
      print(u, () => record(u));
    });

  fieldOptions(user.command('update <id>').description('change some attributes of a directory user (the others keep their values)'), false).action(async (id: string, o: FieldOptions) => {
    const body = fields(o);
    if (Object.keys(body).length === 0) throw new CliError('nothing to change: give at least one attribute flag (see `bindery user update --help`)');
    const u = await api()<Row>('PATCH', path('/v1/users', id), body);
    print(u, () => record(u));
    warn(u);
  });

  userAction(user, 'suspend', 'suspend', 'suspend a user (deactivated in Slack)', 'suspended');
  userAction(user, 'unsuspend', 'unsuspend', 'lift a suspension (reactivated in Slack where a bound group authorizes them)', 'unsuspended');
  userAction(user, 'expire-password', 'expire-password', "expire a user's password (deactivated in Slack until it is reset)", 'password expired for');
  userAction(user, 'reset-password', 'reset-password', 'clear an expired password (reactivated in Slack where authorized)', 'password reset for');

  user
    .command('delete <id>')
    .description('delete a directory user (deactivated in Slack; Bindery keeps the record)')
    .action(async (id: string) => {
      await api()('DELETE', path('/v1/users', id));
      print({ deleted: id }, () => `deleted user ${id}`);
    });

  user
    .command('sync <userId>')
    .description('reconcile a user with a connector now (starts or signals its user-sync workflow)')
    .requiredOption('--connector <id>', 'connector ID')
    .action(async (userId: string, o: { connector: string }) => {
      const started = await api()<{ workflowId: string; runId: string }>('POST', path('/v1/connectors', o.connector, 'users', userId, 'sync'));
      print(started, () => `sync requested: workflow ${started.workflowId} (run ${started.runId})`);
    });
}
