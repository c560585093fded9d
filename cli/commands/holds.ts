import type { Command } from 'commander';
import { table } from '../format';
import { type Row, api, path, print } from '../program';

type Hold = Row & { id: string; status: string; reason: string; users: Array<{ userId: string; username: string; reason: string }> };

/** The circuit breaker's holds (S4): list them, approve or reject one. */
export function holdCommands(connector: Command): void {
  connector
    .command('held <id>')
    .description('list the deactivations the circuit breaker held on the connector, open ones first, with the users held')
    .action(async (id: string) => {
      const page = await api()<{ items: Hold[] }>('GET', path('/v1/connectors', id, 'held'));
      print(page, () => {
        if (page.items.length === 0) return '(none)';
        return page.items
          .map((h) => `hold ${h.id}: ${h.status}${h.decidedBy ? ` by ${String(h.decidedBy)}` : ''} — ${h.reason}\n${table(h.users, ['userId', 'username', 'reason'])}`)
          .join('\n\n');
      });
    });

  for (const [action, past] of [
    ['approve', 'approved: the held deactivations are carried out'],
    ['reject', 'rejected: the accounts stay active until the directory changes'],
  ] as const) {
    connector
      .command(`${action} <holdId>`)
      .description(`${action} a hold of the circuit breaker (${past}); who and why are recorded`)
      .requiredOption('--by <name>', 'who decides')
      .option('--reason <text>', 'why')
      .action(async (holdId: string, o: { by: string; reason?: string }) => {
        const h = await api()<Hold>('POST', path('/v1/holds', holdId, action), { by: o.by, ...(o.reason ? { reason: o.reason } : {}) });
        print(h, () => `hold ${h.id} ${past}`);
      });
  }
}
