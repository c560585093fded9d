import { Option } from 'commander';
import { record, table } from '../format';
import { CliError } from '../http';
import { type Page, type Row, api, defined, more, onOff, path, print, program, query, toBool, token, tokenOptions, warn } from './common';

const PLANS = ['business_plus', 'enterprise_grid'];
const LINK_STATES = ['pending', 'creating', 'active', 'deactivated', 'failed', 'stuck'];

function idmLine(c: Row): string {
  return `connector ${String(c.id)}: identity management ${String(c.idmStatus)}, group management ${c.groupManagement ? 'on' : 'off'}, plan ${String(c.plan)}`;
}

export function connectorCommands(): void {
  const connector = program.command('connector').description('Slack application instances, their groups and identity management');

  tokenOptions(
    connector
      .command('create')
      .description('create a connector; with --scim-url and a token, identity management is activated (the token is verified against Slack)')
      .requiredOption('--label <label>', 'display label')
      .requiredOption('--team-name <name>', 'Slack team name')
      .requiredOption('--team-domain <domain>', 'Slack domain, e.g. acme.slack.com')
      .option('--description <text>', 'description')
      .addOption(new Option('--plan <plan>', 'Slack plan').choices(PLANS))
      .option('--sso-idp-url <url>', 'SSO IdP URL (cannot be changed later; default derived from the label)')
      .option('--scim-url <url>', 'SCIM base URL, e.g. https://api.slack.com/scim/v2'),
  ).action(async (o: { label: string; teamName: string; teamDomain: string; description?: string; plan?: string; ssoIdpUrl?: string; scimUrl?: string; token?: string; tokenStdin?: boolean }) => {
    const scimToken = await token(o, false);
    const body = defined({ label: o.label, teamName: o.teamName, teamDomain: o.teamDomain, description: o.description, plan: o.plan, ssoIdpUrl: o.ssoIdpUrl, scimBaseUrl: o.scimUrl, scimToken });
    const created = await api()<Row>('POST', '/v1/connectors', body);
    print(created, () => `created connector ${String(created.id)} (identity management ${String(created.idmStatus)})`);
  });

  connector
    .command('list')
    .description('list connectors')
    .action(async () => {
      const page = await api()<Page<Row>>('GET', '/v1/connectors');
      print(page, () => table(page.items, ['id', 'label', 'teamDomain', 'plan', 'idmStatus', 'groupManagement']));
    });

  connector
    .command('show <id>')
    .description('show one connector (never its token)')
    .action(async (id: string) => {
      const c = await api()<Row>('GET', path('/v1/connectors', id));
      print(c, () => record(c));
    });

  connector
    .command('update <id>')
    .description("change a connector's general settings (the SSO IdP URL is fixed at creation)")
    .option('--label <label>', 'display label')
    .option('--description <text>', 'description')
    .addOption(onOff('--show-in-user-portal <on|off>', 'show the application in the user portal'))
    .option('--team-name <name>', 'Slack team name')
    .option('--team-domain <domain>', 'Slack domain')
    .addOption(new Option('--plan <plan>', 'Slack plan').choices(PLANS))
    .action(async (id: string, o: { label?: string; description?: string; showInUserPortal?: string; teamName?: string; teamDomain?: string; plan?: string }) => {
      const body = defined({ label: o.label, description: o.description, showInUserPortal: toBool(o.showInUserPortal), teamName: o.teamName, teamDomain: o.teamDomain, plan: o.plan });
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give at least one setting flag (see `bindery connector update --help`)');
      const c = await api()<Row>('PATCH', path('/v1/connectors', id), body);
      print(c, () => record(c));
    });

  connector
    .command('bind <id> <groupId>')
    .description('bind a group to the connector: its members become authorized there')
    .option('--override <reason>', 'bind although another connector has the group (the reason is stored with the binding)')
    .action(async (id: string, groupId: string, o: { override?: string }) => {
      const b = await api()<Row>('PUT', path('/v1/connectors', id, 'groups', groupId), o.override === undefined ? undefined : { override: o.override });
      print(b, () => `bound group ${groupId} to connector ${id}`);
      warn(b);
    });

  connector
    .command('unbind <id> <groupId>')
    .description('unbind a group: its members are deactivated unless another bound group authorizes them (with group management on, it cannot be bound again)')
    .action(async (id: string, groupId: string) => {
      await api()('DELETE', path('/v1/connectors', id, 'groups', groupId));
      print({ connectorId: id, groupId, state: 'unbound' }, () => `unbound group ${groupId} from connector ${id}`);
    });

  connector
    .command('groups <id>')
    .description('list the groups bound to the connector, and those removed from it')
    .action(async (id: string) => {
      const page = await api()<Page<Row>>('GET', path('/v1/connectors', id, 'groups'));
      print(page, () => table(page.items, ['groupId', 'groupName', 'state', 'boundAt', 'unboundAt', 'overrideReason']));
    });

  connector
    .command('users <id>')
    .description("list the connector's users as Slack sees them: Slack ID, state, last error (--state stuck: the quarantined ones)")
    .addOption(new Option('--state <state>', 'only users in this state').choices(LINK_STATES))
    .option('--limit <n>', 'page size', '50')
    .option('--after <userId>', 'continue after this user ID')
    .action(async (id: string, o: { state?: string; limit: string; after?: string }) => {
      const page = await api()<Page<Row>>('GET', path('/v1/connectors', id, 'users') + query({ state: o.state, limit: o.limit, after: o.after }));
      print(page, () => table(page.items, ['userId', 'username', 'slackId', 'state', 'lastErrorCode', 'lastError', 'updatedAt']) + more(page, '--after'));
    });

  tokenOptions(
    connector
      .command('activate <id>')
      .description('activate identity management: the token is verified against Slack, stored encrypted, and every authorized user is synced')
      .requiredOption('--scim-url <url>', 'SCIM base URL, e.g. https://api.slack.com/scim/v2'),
  ).action(async (id: string, o: { scimUrl: string; token?: string; tokenStdin?: boolean }) => {
    const scimToken = await token(o, true);
    const c = await api()<Row>('POST', path('/v1/connectors', id, 'idm', 'activate'), { scimBaseUrl: o.scimUrl, scimToken });
    print(c, () => idmLine(c));
    warn(c);
  });

  tokenOptions(connector.command('reauth <id>').description('replace the SCIM token (verified against Slack first)')).action(async (id: string, o: { token?: string; tokenStdin?: boolean }) => {
    const scimToken = await token(o, true);
    const c = await api()<Row>('POST', path('/v1/connectors', id, 'idm', 'reauth'), { scimToken });
    print(c, () => `${idmLine(c)}; token replaced`);
  });

  connector
    .command('idm-update <id>')
    .description('change identity-management settings')
    .addOption(onOff('--group-management <on|off>', 'manage user groups and group membership in Slack'))
    .addOption(onOff('--users-choose-display-name <on|off>', "Slack's \"Allow users to choose their own display name\" (must be off)"))
    .addOption(new Option('--plan <plan>', 'Slack plan').choices(PLANS))
    .action(async (id: string, o: { groupManagement?: string; usersChooseDisplayName?: string; plan?: string }) => {
      const body = defined({ groupManagement: toBool(o.groupManagement), usersChooseDisplayName: toBool(o.usersChooseDisplayName), plan: o.plan });
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --group-management, --users-choose-display-name or --plan');
      const c = await api()<Row>('PATCH', path('/v1/connectors', id, 'idm'), body);
      print(c, () => idmLine(c));
      warn(c);
    });

  connector
    .command('deactivate <id>')
    .description('deactivate identity management: syncing stops, the token is deleted, Slack keeps its state')
    .action(async (id: string) => {
      const c = await api()<Row>('POST', path('/v1/connectors', id, 'idm', 'deactivate'));
      print(c, () => idmLine(c));
    });
}
