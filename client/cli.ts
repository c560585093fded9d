import { Command, Option } from 'commander';
import { loadConfig } from '../core/config';
import { resolveApiKey } from './api-key';
import { record, table } from './format';
import { type ApiClient, CliError, apiClient } from './http';

type Page<T> = { items: T[]; next?: string | number };
type Row = Record<string, unknown>;

const program = new Command('bindery')
  .description('Bindery: keep Slack in step with the directory. Talks to the admin API started by `npm start`.')
  .option('--json', 'print machine-readable JSON')
  .option('--api-url <url>', 'admin API base URL (default: BINDERY_API_URL)')
  .showHelpAfterError();

function api(): ApiClient {
  const config = loadConfig();
  return apiClient(program.opts<{ apiUrl?: string }>().apiUrl ?? config.apiUrl, resolveApiKey(config));
}

function print(value: unknown, human: () => string): void {
  console.log(program.opts<{ json?: boolean }>().json ? JSON.stringify(value, null, 2) : human());
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

const connector = program.command('connector').description('Slack application instances');
connector
  .command('create')
  .description('create a connector; with --scim-url and a token, identity management is activated (the token is verified against Slack)')
  .requiredOption('--label <label>', 'display label')
  .requiredOption('--team-name <name>', 'Slack team name')
  .requiredOption('--team-domain <domain>', 'Slack domain, e.g. acme.slack.com')
  .option('--description <text>', 'description')
  .addOption(new Option('--plan <plan>', 'Slack plan').choices(['business_plus', 'enterprise_grid']))
  .option('--scim-url <url>', 'SCIM base URL, e.g. https://api.slack.com/scim/v2')
  .option('--token <token>', 'Slack SCIM token (visible in shell history: prefer --token-stdin)')
  .option('--token-stdin', 'read the Slack SCIM token from standard input')
  .action(async (o: { label: string; teamName: string; teamDomain: string; description?: string; plan?: string; scimUrl?: string; token?: string; tokenStdin?: boolean }) => {
    const scimToken = o.tokenStdin ? await readStdin() : o.token;
    const body = { label: o.label, teamName: o.teamName, teamDomain: o.teamDomain, description: o.description, plan: o.plan, scimBaseUrl: o.scimUrl, scimToken };
    const created = await api()<Row>('POST', '/v1/connectors', body);
    print(created, () => `created connector ${String(created.id)} (identity management ${String(created.idmStatus)})`);
  });
connector
  .command('list')
  .description('list connectors')
  .action(async () => {
    const page = await api()<Page<Row>>('GET', '/v1/connectors');
    print(page, () => table(page.items, ['id', 'label', 'teamDomain', 'idmStatus', 'groupManagement']));
  });
connector
  .command('show <id>')
  .description('show one connector (never its token)')
  .action(async (id: string) => {
    const c = await api()<Row>('GET', `/v1/connectors/${encodeURIComponent(id)}`);
    print(c, () => record(c));
  });

const user = program.command('user').description('directory users');
user
  .command('create')
  .description('create a directory user')
  .requiredOption('--username <name>', 'username (Slack: fewer than 21 characters, letters, digits, . _ -)')
  .requiredOption('--email <email>', 'primary work email')
  .option('--first-name <name>', 'first name')
  .option('--middle-name <name>', 'middle name')
  .option('--last-name <name>', 'last name')
  .option('--display-name <name>', 'display name')
  .option('--job-title <title>', 'job title (Slack: Title and "What I do")')
  .option('--department <name>', 'department')
  .option('--company <name>', 'company (Slack: organization)')
  .option('--employee-id <id>', 'employee identifier (Slack: employeeNumber)')
  .option('--location <text>', 'location')
  .option('--phone <type:number...>', 'phone numbers, e.g. mobile:+15550100 work:+15550101')
  .option('--suspended', 'create suspended')
  .action(async (o: Record<string, string | string[] | boolean | undefined>) => {
    const phones = ((o.phone as string[] | undefined) ?? []).map((p) => {
      const at = p.indexOf(':');
      return at > 0 ? { type: p.slice(0, at), value: p.slice(at + 1) } : { value: p };
    });
    const body = {
      username: o.username, email: o.email, firstname: o.firstName, middlename: o.middleName, lastname: o.lastName,
      displayname: o.displayName, jobTitle: o.jobTitle, department: o.department, company: o.company,
      employeeIdentifier: o.employeeId, location: o.location, phoneNumbers: phones, suspended: o.suspended === true,
    };
    const created = await api()<Row>('POST', '/v1/users', body);
    print(created, () => `created user ${String(created.id)}`);
  });
user
  .command('list')
  .description('list directory users')
  .option('--limit <n>', 'page size', '50')
  .option('--after <id>', 'continue after this user ID')
  .action(async (o: { limit: string; after?: string }) => {
    const q = new URLSearchParams({ limit: o.limit, ...(o.after ? { after: o.after } : {}) });
    const page = await api()<Page<Row>>('GET', `/v1/users?${q}`);
    print(page, () => table(page.items, ['id', 'username', 'email', 'suspended']) + (page.next ? `\nmore: --after ${page.next}` : ''));
  });
user
  .command('show <id>')
  .description('show one directory user')
  .action(async (id: string) => {
    const u = await api()<Row>('GET', `/v1/users/${encodeURIComponent(id)}`);
    print(u, () => record(u));
  });
user
  .command('sync <userId>')
  .description('reconcile a user with a connector now (starts or signals its user-sync workflow)')
  .requiredOption('--connector <id>', 'connector ID')
  .action(async (userId: string, o: { connector: string }) => {
    const path = `/v1/connectors/${encodeURIComponent(o.connector)}/users/${encodeURIComponent(userId)}/sync`;
    const started = await api()<{ workflowId: string; runId: string }>('POST', path);
    print(started, () => `sync requested: workflow ${started.workflowId} (run ${started.runId})`);
  });

program
  .command('events')
  .description('list Directory Insights events, newest first')
  .option('--type <type>', 'event type, e.g. user_create_provision')
  .option('--connector <id>', 'connector ID')
  .option('--user <id>', 'directory user ID')
  .addOption(new Option('--outcome <outcome>', 'success or failure').choices(['success', 'failure']))
  .option('--since <time>', 'ISO time, inclusive')
  .option('--until <time>', 'ISO time, inclusive')
  .option('--before <id>', 'continue with events older than this event ID')
  .option('--limit <n>', 'page size', '50')
  .action(async (o: Record<string, string | undefined>) => {
    const q = new URLSearchParams();
    for (const [flag, param] of [['type', 'type'], ['connector', 'connectorId'], ['user', 'userId'], ['outcome', 'outcome'], ['since', 'since'], ['until', 'until'], ['before', 'before'], ['limit', 'limit']] as const) {
      if (o[flag]) q.set(param, o[flag]!);
    }
    const page = await api()<Page<Row>>('GET', `/v1/events?${q}`);
    print(page, () => table(page.items, ['id', 'at', 'type', 'outcome', 'objectId', 'errorCode', 'message', 'workflowId']) + (page.next ? `\nmore: --before ${page.next}` : ''));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line, never a stack trace.
  console.error(`bindery: ${err instanceof CliError || err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
