import { createInterface } from 'node:readline/promises';
import { Argument, type Command, Option } from 'commander';
import type { GroupProgressCounts } from '../../core/links';
import { CONNECTOR_KINDS, DEPROVISION_MODES, SLACK_PLANS } from '../../core/connector';
import { LINK_STATES } from '../../core/links';
import { printable } from '../../core/text';
import { progressBar, record, table } from '../format';
import { CliError } from '../http';
import { type Page, type Row, api, defined, json, more, onOff, path, print, program, query, toBool, token, tokenOptions, warn } from '../program';

const PLANS = [...SLACK_PLANS];

function idmLine(c: Row): string {
  const kind = c.kind === 'scim' ? `deprovision ${String(c.deprovision)}` : `plan ${String(c.plan)}`;
  return `connector ${String(c.id)}: identity management ${String(c.idmStatus)}, group management ${c.groupManagement ? 'on' : 'off'}, ${kind}`;
}

type GroupLink = { state: string; remoteGroupId: string | null; memberCount: number; membersLeftOut: number; lastErrorCode: string | null; lastError: string | null; updatedAt: string | null };

/** One binding as a table row: the binding, then the group's state in Slack. */
function groupRow(b: Row & { groupLink?: GroupLink }): Row {
  const l = b.groupLink;
  return {
    ...b,
    groupState: l?.state,
    remoteGroupId: l?.remoteGroupId,
    members: l?.memberCount,
    leftOut: l?.membersLeftOut || undefined,
    lastError: l?.lastErrorCode ? `${l.lastErrorCode}: ${l.lastError ?? ''}` : l?.lastError,
  };
}

export type Progress = GroupProgressCounts & { groupState: string; membersLeftOut: number };

/** One line: a bar of the members whose link has settled (core/links.ts SETTLED_LINK_STATES), then the counts. */
export function progressLine(p: Progress): string {
  const settled = p.usersActive + p.usersDeactivated + p.usersFailed + p.usersStuck + p.usersNeedAction + p.usersImported + p.usersHeld;
  return [
    `${progressBar(settled, p.members)} ${settled}/${p.members} settled`,
    `active ${p.usersActive}`,
    `deactivated ${p.usersDeactivated}`,
    `failed ${p.usersFailed}`,
    `stuck ${p.usersStuck}`,
    ...(p.usersNeedAction > 0 ? [`needs action ${p.usersNeedAction}`] : []),
    ...(p.usersImported > 0 ? [`imported ${p.usersImported}`] : []),
    ...(p.usersHeld > 0 ? [`held ${p.usersHeld} (connector held)`] : []),
    `creating ${p.usersPending}`,
    `not linked ${p.usersNotLinked}`,
    `intents pending ${p.pendingIntents}`,
    `group ${p.groupState}${p.membersLeftOut > 0 ? ` (${p.membersLeftOut} left out: guests cannot be group members)` : ''}`,
  ].join(' · ');
}

/** Nothing left in the outbox for the group, no creation under way, and the group itself in step. */
function caughtUp(p: Progress): boolean {
  // The group's own pass comes last (group passes are batched a few seconds apart): while members are
  // active in Slack and the group is not yet in step, the cascade is not done.
  const groupSettled = p.usersActive + p.usersNeedAction === 0 || ['synced', 'disabled', 'deleted', 'failed'].includes(p.groupState);
  return p.pendingIntents === 0 && p.usersPending === 0 && groupSettled;
}

async function ask(prompt: string): Promise<string> {
  // The prompt goes to stderr, so stdout stays the command's answer (--json included).
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
}

export function connectorCommands(): Command {
  const connector = program.command('connector').description('Slack application instances, their groups and identity management');

  tokenOptions(
    connector
      .command('create')
      .description('create a connector to Slack (--kind slack, the default: --team-name and --team-domain required) or to any SCIM 2.0 service provider (--kind scim); with --scim-url and a token, identity management is activated (the token is verified first)')
      .addOption(new Option('--kind <kind>', 'what the connector provisions').choices(CONNECTOR_KINDS).default('slack'))
      .requiredOption('--label <label>', 'display label')
      .option('--team-name <name>', 'Slack team name (slack)')
      .option('--team-domain <domain>', 'Slack domain, e.g. acme.slack.com (slack)')
      .option('--description <text>', 'description')
      .addOption(new Option('--plan <plan>', 'Slack plan (slack; default business_plus)').choices(PLANS))
      .addOption(new Option('--deprovision <mode>', 'what a user deleted from the directory becomes (scim; default deactivate)').choices(DEPROVISION_MODES))
      .option('--sso-idp-url <url>', 'SSO IdP URL (slack; cannot be changed later; default derived from the label)')
      .option('--scim-url <url>', 'SCIM base URL, e.g. https://api.slack.com/scim/v2'),
  ).action(async (o: { kind: string; label: string; teamName?: string; teamDomain?: string; description?: string; plan?: string; deprovision?: string; ssoIdpUrl?: string; scimUrl?: string; token?: string; tokenStdin?: boolean }) => {
    if (o.kind === 'slack' && (!o.teamName || !o.teamDomain)) throw new CliError('a Slack connector needs --team-name and --team-domain (or pass --kind scim for a generic SCIM 2.0 service provider)');
    const scimToken = await token(o, false);
    const slack = o.kind === 'slack' ? { teamName: o.teamName, teamDomain: o.teamDomain, plan: o.plan, ssoIdpUrl: o.ssoIdpUrl } : { deprovision: o.deprovision };
    const body = defined({ kind: o.kind, label: o.label, description: o.description, ...slack, scimBaseUrl: o.scimUrl, scimToken });
    const created = await api()<Row>('POST', '/v1/connectors', body);
    print(created, () => `created ${o.kind === 'slack' ? 'Slack' : 'SCIM'} connector ${String(created.id)} (identity management ${String(created.idmStatus)})`);
    warn(created);
  });

  connector
    .command('list')
    .description('list connectors')
    .action(async () => {
      const page = await api()<Page<Row>>('GET', '/v1/connectors');
      print(page, () => table(page.items, ['id', 'label', 'teamDomain', 'plan', 'idmStatus', 'groupManagement', 'ssoActive']));
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
      warn(c);
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
    .description('unbind a group: its members are deactivated unless another bound group authorizes them; with group management on it cannot be bound again, so on a terminal this asks first (elsewhere: --yes)')
    .option('--yes', 'unbind without asking')
    .action(async (id: string, groupId: string, o: { yes?: boolean }) => {
      const client = api();
      if (!o.yes) {
        const impact = await client<{ groupName: string; members: number; oneWay: boolean }>('GET', path('/v1/connectors', id, 'groups', groupId, 'unbind-impact'));
        const what = `Unbinding group "${printable(impact.groupName)}" deactivates its ${impact.members} member(s) on connector ${id} unless another bound group authorizes them.${impact.oneWay ? ' With group management on, the group cannot be bound to this connector again.' : ''}`;
        if (!process.stdin.isTTY) throw new CliError(`${what} Not on a terminal: pass --yes to unbind.`);
        console.error(what);
        if (!/^y(es)?$/i.test(await ask('Unbind? [y/N] '))) throw new CliError('not unbound');
      }
      await client('DELETE', path('/v1/connectors', id, 'groups', groupId));
      print({ connectorId: id, groupId, state: 'unbound' }, () => `unbound group ${groupId} from connector ${id}`);
    });

  connector
    .command('groups <id>')
    .description("list the groups bound to the connector and those removed from it, with each group's state in Slack (pending, synced, empty, failed with the reason, disabled, deleted)")
    .action(async (id: string) => {
      const page = await api()<Page<Row & { groupLink?: GroupLink }>>('GET', path('/v1/connectors', id, 'groups'));
      print(page, () =>
        table(page.items.map(groupRow), ['groupId', 'groupName', 'state', 'groupState', 'remoteGroupId', 'members', 'leftOut', 'lastError', 'boundAt', 'unboundAt', 'overrideReason']),
      );
    });

  connector
    .command('progress <id> <groupId>')
    .description("how far a group's changes have reached Slack on the connector: members by link state, intents still queued, the group's state (--watch: refresh every second until nothing is queued)")
    .option('--watch', 'refresh every second until no intent is queued and no creation is under way')
    .action(async (id: string, groupId: string, o: { watch?: boolean }) => {
      const client = api();
      const url = path('/v1/connectors', id, 'groups', groupId, 'progress');
      if (!o.watch) {
        const p = await client<Progress & Row>('GET', url);
        print(p, () => `${progressLine(p)}\n\n${record(p)}`);
        return;
      }
      // On a terminal the line is redrawn in place; otherwise (or with --json) one line per refresh.
      const redraw = process.stdout.isTTY && !json();
      for (;;) {
        const p = await client<Progress & Row>('GET', url);
        const line = json() ? JSON.stringify(p) : progressLine(p);
        process.stdout.write(redraw ? `\r\x1b[2K${line}` : `${line}\n`);
        if (caughtUp(p)) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      if (redraw) process.stdout.write('\n');
    });

  connector
    .command('users <id>')
    .description("list the connector's users as Slack sees them: Slack ID, state, last error (--state stuck: the quarantined ones)")
    .addOption(new Option('--state <state>', 'only users in this state').choices(LINK_STATES))
    .option('--limit <n>', 'page size', '50')
    .option('--after <userId>', 'continue after this user ID')
    .action(async (id: string, o: { state?: string; limit: string; after?: string }) => {
      const page = await api()<Page<Row>>('GET', path('/v1/connectors', id, 'users') + query({ state: o.state, limit: o.limit, after: o.after }));
      // U1/B2: a user created while SSO is on is inactive (pending first launch) in Bindery's view until they launch Slack.
      const shown = page.items.map((l) => (l.firstLaunch === 'pending' && l.state === 'active' ? { ...l, state: 'inactive (pending first launch)' } : l));
      print(page, () => table(shown, ['userId', 'username', 'remoteId', 'state', 'lastErrorCode', 'lastError', 'updatedAt']) + more(page, '--after'));
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
    .addOption(new Option('--deprovision <mode>', 'generic SCIM: what a user deleted from the directory becomes').choices(DEPROVISION_MODES))
    .addOption(onOff('--breaker <on|off>', 'the circuit breaker: hold deactivations beyond the threshold until an admin approves them'))
    .option('--breaker-percent <n>', 'threshold: more than this share of linked users (default 10)…')
    .option('--breaker-min-users <n>', '…and at least this many users (default 25)…')
    .option('--breaker-window-minutes <n>', '…within this many minutes (default 60)')
    .option('--notify-email <email>', "who is emailed about this connector ('' for BINDERY_ADMIN_EMAIL)")
    .action(async (id: string, o: { groupManagement?: string; usersChooseDisplayName?: string; plan?: string; deprovision?: string; breaker?: string; breakerPercent?: string; breakerMinUsers?: string; breakerWindowMinutes?: string; notifyEmail?: string }) => {
      const int = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      const body = defined({
        groupManagement: toBool(o.groupManagement),
        usersChooseDisplayName: toBool(o.usersChooseDisplayName),
        plan: o.plan,
        deprovision: o.deprovision,
        breakerEnabled: toBool(o.breaker),
        breakerPercent: int(o.breakerPercent),
        breakerMinUsers: int(o.breakerMinUsers),
        breakerWindowMinutes: int(o.breakerWindowMinutes),
        notifyEmail: o.notifyEmail === undefined ? undefined : o.notifyEmail || null,
      });
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give at least one setting flag (see `bindery connector idm-update --help`)');
      const c = await api()<Row>('PATCH', path('/v1/connectors', id, 'idm'), body);
      print(c, () => idmLine(c));
      warn(c);
    });

  connector
    .command('sso <id>')
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .description('activate or deactivate SSO for the connector (recorded; identity management is not affected)')
    .action(async (id: string, state: 'on' | 'off') => {
      const c = await api()<Row>('POST', path('/v1/connectors', id, 'sso', state === 'on' ? 'activate' : 'deactivate'));
      print(c, () => `connector ${String(c.id)}: SSO ${c.ssoActive ? 'active' : 'inactive'}`);
    });

  connector
    .command('delete <id>')
    .description('delete the connector (the application): Bindery forgets its links, bindings and queued syncs and ends its workflows; Slack users stay active. Asks for the number of applications being deleted (1), or takes --confirm')
    .option('--confirm <n>', 'the number of applications you are deleting (1), instead of being asked')
    .action(async (id: string, o: { confirm?: string }) => {
      const client = api();
      let confirm = o.confirm;
      if (confirm === undefined) {
        if (!process.stdin.isTTY) throw new CliError('connector delete asks for the number of applications you are deleting: not on a terminal, so pass --confirm 1');
        const c = await client<Row>('GET', path('/v1/connectors', id));
        console.error(`Deleting connector "${String(c.label)}" (${id}): Bindery forgets its links, bindings and queued syncs and ends its workflows. Slack users stay active.`);
        confirm = await ask('Type the number of applications you are deleting (1): ');
      }
      const r = await client<Row>('DELETE', path('/v1/connectors', id) + query({ confirm }));
      print(r, () => `deleted connector ${id}; ${String(r.workflowsEnded)} running workflow(s) ended\n${String(r.note)}`);
      warn(r);
    });

  connector
    .command('deactivate <id>')
    .description('deactivate identity management: syncing stops, the token is deleted, Slack keeps its state')
    .action(async (id: string) => {
      const c = await api()<Row>('POST', path('/v1/connectors', id, 'idm', 'deactivate'));
      print(c, () => idmLine(c));
    });
  return connector;
}
