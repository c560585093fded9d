import { Argument, type Command, Option } from 'commander';
import { table } from '../format';
import { CliError } from '../http';
import { type Page, type Row, api, more, path, print, query } from '../program';

const BIND_STATES = ['pending', 'bound', 'expired'] as const;

type Bind = Row & { userId: string; username: string; state: string; round: number; deadline: string; sentAt: string | null; boundAt: string | null };

/** One window as a row: the deadline only while it counts (pending), the bind time once bound. */
function bindRow(b: Bind): Row {
  return {
    userId: b.userId,
    username: b.username,
    email: b.email,
    state: b.state,
    round: b.round,
    deadline: b.state === 'pending' ? (b.sentAt ? b.deadline : `${b.deadline} (email not sent yet)`) : undefined,
    boundAt: b.boundAt ?? undefined,
  };
}

/**
 * `bindery connector sso binds|resend …`: the 72-hour SSO bind windows (B1). Subcommands of `connector sso`
 * (the command `connector sso <id> on|off` keeps working).
 */
export function ssoBindCommands(connector: Command): void {
  const sso = connector.commands.find((c) => c.name() === 'sso') ?? connector.command('sso <id>').addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']));

  sso
    .command('binds <id>')
    .description('who was emailed to bind their account since SSO was activated: pending (with the deadline), bound (launched from the portal) or expired')
    .addOption(new Option('--state <state>', 'only windows in this state').choices(BIND_STATES))
    .option('--limit <n>', 'page size (1-500)', '100')
    .option('--after <userId>', 'continue after this user ID (the previous page’s `more:`)')
    .action(async (id: string, o: { state?: string; limit: string; after?: string }) => {
      const page = await api()<Page<Bind>>('GET', path('/v1/connectors', id, 'sso', 'binds') + query({ state: o.state, limit: o.limit, after: o.after }));
      print(page, () => table(page.items.map(bindRow), ['userId', 'username', 'email', 'state', 'round', 'deadline', 'boundAt']) + more(page, '--after'));
    });

  sso
    .command('resend <id>')
    .description('send the bind email again, with a fresh 72-hour window (earlier links stop working): to one user, or to every pending and expired one')
    .option('--user <userId>', 'the directory user to email again')
    .option('--all', 'every user whose window is pending or expired')
    .action(async (id: string, o: { user?: string; all?: boolean }) => {
      if (Boolean(o.user) === Boolean(o.all)) throw new CliError('say whom to email again: --user <userId> for one user, or --all for every pending and expired one');
      const route = o.user ? path('/v1/connectors', id, 'sso', 'binds', o.user, 'resend') : path('/v1/connectors', id, 'sso', 'binds') + '/resend';
      const r = await api()<{ items: Array<{ userId: string; round: number; deadline: string }> }>('POST', route);
      print(r, () => (r.items.length === 0 ? 'no pending or expired bind window: nobody was emailed' : `${r.items.length} bind email(s) queued, each with a fresh 72-hour window:\n${table(r.items, ['userId', 'round'])}`));
    });
}
