import { eq } from 'drizzle-orm';
import type { DirectoryUser } from '../core/directory';
import { authorizingConnectors } from '../db/authorization';
import type { Tx } from '../db/client';
import { connectors } from '../db/schema';
import { profileFor, targetSettings } from '../targets';
import type { Warning } from './context';

/**
 * The directory keeps any user (it may serve other applications), but a user some target can never accept
 * is worth saying at once rather than later in an event: one warning per rule, naming the connectors it
 * will fail for — those that authorize the user, or while none does yet, every connector with identity
 * management active.
 */
export async function targetWarnings(tx: Tx, user: DirectoryUser): Promise<Warning[]> {
  const active = await tx.select().from(connectors).where(eq(connectors.idmStatus, 'active'));
  if (active.length === 0) return [];
  const activeIds = new Set(active.map((c) => c.id));
  // Only connectors that provision count: a group bound to an inactive connector authorizes nothing yet.
  const authorizing = new Set((await authorizingConnectors(tx, user.id)).filter((id) => activeIds.has(id)));
  const concerned = authorizing.size > 0 ? active.filter((c) => authorizing.has(c.id)) : active;
  const byRule = new Map<string, { message: string; connectorIds: string[] }>();
  for (const connector of concerned) {
    for (const problem of profileFor(targetSettings(connector)).staticProblems(user)) {
      const key = `${problem.code}:${problem.message}`;
      const entry = byRule.get(key) ?? { message: problem.message, connectorIds: [] };
      entry.connectorIds.push(connector.id);
      byRule.set(key, entry);
    }
  }
  const when = authorizing.size > 0 ? 'it will not be provisioned to' : 'it will not be provisioned, once authorized, to';
  return [...byRule.entries()].map(([key, { message, connectorIds }]) => ({
    code: key.slice(0, key.indexOf(':')),
    message: `${message} Until then ${when} connector${connectorIds.length === 1 ? '' : 's'} ${connectorIds.join(', ')}.`,
    connectorIds,
  }));
}
