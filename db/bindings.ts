import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Tx } from './client';
import { enqueue } from './outbox';
import { connectorGroups, connectors, userGroups } from './schema';

export type BindingRow = typeof connectorGroups.$inferSelect;
export type BindingState = 'bound' | 'unbound';
export type BindingView = {
  connectorId: string;
  groupId: string;
  groupName: string;
  state: BindingState;
  boundAt: Date;
  unboundAt: Date | null;
  overrideReason: string | null;
};

export async function getBinding(db: Tx, connectorId: string, groupId: string): Promise<BindingRow | undefined> {
  const [row] = await db
    .select()
    .from(connectorGroups)
    .where(and(eq(connectorGroups.connectorId, connectorId), eq(connectorGroups.groupId, groupId)));
  return row;
}

/** Connectors the group is actively bound to (optionally: other than one, or only those with IdM active). */
export async function boundConnectorIds(db: Tx, groupId: string, opts: { except?: string; idmActive?: boolean } = {}): Promise<string[]> {
  const rows = await db
    .select({ id: connectorGroups.connectorId })
    .from(connectorGroups)
    .innerJoin(connectors, eq(connectors.id, connectorGroups.connectorId))
    .where(
      and(
        eq(connectorGroups.groupId, groupId),
        isNull(connectorGroups.unboundAt),
        opts.except ? ne(connectorGroups.connectorId, opts.except) : undefined,
        opts.idmActive ? eq(connectors.idmStatus, 'active') : undefined,
      ),
    )
    .orderBy(asc(connectorGroups.connectorId));
  return rows.map((r) => r.id);
}

/** The connector's bindings, active and past, of groups that are not deleted. */
export async function listBindings(db: Tx, connectorId: string): Promise<BindingView[]> {
  const rows = await db
    .select({ binding: connectorGroups, groupName: userGroups.name })
    .from(connectorGroups)
    .innerJoin(userGroups, and(eq(userGroups.id, connectorGroups.groupId), isNull(userGroups.deletedAt)))
    .where(eq(connectorGroups.connectorId, connectorId))
    .orderBy(asc(userGroups.name), asc(connectorGroups.groupId));
  return rows.map((r) => toBindingView(r.binding, r.groupName));
}

export function toBindingView(b: BindingRow, groupName: string): BindingView {
  return {
    connectorId: b.connectorId,
    groupId: b.groupId,
    groupName,
    state: b.unboundAt === null ? 'bound' : 'unbound',
    boundAt: b.createdAt,
    unboundAt: b.unboundAt,
    overrideReason: b.overrideReason,
  };
}

/** Binds, or binds again a binding that was removed (the caller checks G4 first). */
export async function bindGroup(db: Tx, connectorId: string, groupId: string, overrideReason: string | null): Promise<BindingRow> {
  const [row] = await db
    .insert(connectorGroups)
    .values({ connectorId, groupId, overrideReason })
    .onConflictDoUpdate({ target: [connectorGroups.connectorId, connectorGroups.groupId], set: { unboundAt: null, unboundWhileManaged: false, overrideReason } })
    .returning();
  return row!;
}

/** Marks the binding removed; the row stays (G4), saying whether the group was managed in the target then. False when it was not actively bound. */
export async function unbindGroup(db: Tx, connectorId: string, groupId: string, whileManaged: boolean): Promise<boolean> {
  const rows = await db
    .update(connectorGroups)
    .set({ unboundAt: sql`now()`, unboundWhileManaged: whileManaged })
    .where(and(eq(connectorGroups.connectorId, connectorId), eq(connectorGroups.groupId, groupId), isNull(connectorGroups.unboundAt)))
    .returning({ groupId: connectorGroups.groupId });
  return rows.length > 0;
}

/** Queues "look at this group" for every IdM-active connector the group is bound to; returns those connectors. */
export async function enqueueGroupForBoundConnectors(tx: Tx, groupId: string): Promise<string[]> {
  const ids = await boundConnectorIds(tx, groupId, { idmActive: true });
  for (const connectorId of ids) await enqueue(tx, 'group', connectorId, groupId);
  return ids;
}

/** Serializes binding changes of one group until the transaction ends (so G5's check cannot be raced). */
export async function lockGroupBindings(tx: Tx, groupId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`bindery:group-bindings:${groupId}`}))`);
}

/** Groups actively bound to the connector (live groups only). */
export async function boundGroupIds(db: Tx, connectorId: string): Promise<string[]> {
  const rows = await db
    .select({ id: connectorGroups.groupId })
    .from(connectorGroups)
    .innerJoin(userGroups, and(eq(userGroups.id, connectorGroups.groupId), isNull(userGroups.deletedAt)))
    .where(and(eq(connectorGroups.connectorId, connectorId), isNull(connectorGroups.unboundAt)))
    .orderBy(asc(connectorGroups.groupId));
  return rows.map((r) => r.id);
}
