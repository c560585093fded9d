import { and, asc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import { BIND_WINDOW_HOURS } from '../core/sso-binds';
import { authorizations } from './authorization';
import type { Tx } from './client';
import { connectorGroups, connectors, directoryUsers, groupMembers, ssoBinds, syncIntents } from './schema';

/**
 * The bind windows (B1, B2): one row per user and connector, `pending` (emailed, or about to be), `bound`
 * (launched once) or `expired`. The workflow sso-bind/<connectorId>/<userId> owns the timer; these rows are
 * what it, the portal and the admin read. A new round (a resend) makes the links of earlier rounds useless.
 */

export type BindRow = typeof ssoBinds.$inferSelect;
export type BindState = BindRow['state'];

/** Until the email goes out, a window's deadline is provisional: the workflow sets the real one when it sends. */
const provisionalDeadline = sql`now() + make_interval(hours => ${BIND_WINDOW_HOURS})`;
/** Rows per INSERT, well under PostgreSQL's 65,535 parameters. */
const INSERT_CHUNK = 5000;

export async function getBind(tx: Tx, connectorId: string, userId: string): Promise<BindRow | undefined> {
  const [row] = await tx
    .select()
    .from(ssoBinds)
    .where(and(eq(ssoBinds.connectorId, connectorId), eq(ssoBinds.userId, userId)));
  return row;
}

/** A first window for one user, unless they have a row already; returns the row as it is now. */
export async function openBind(tx: Tx, connectorId: string, userId: string): Promise<BindRow> {
  await tx.insert(ssoBinds).values({ connectorId, userId, deadline: provisionalDeadline }).onConflictDoNothing();
  return (await getBind(tx, connectorId, userId))!;
}

/**
 * SSO was turned on: every authorized user who has not bound gets a window — a first one, or a new round
 * for an expired one; a pending window stays as it is. Returns the users concerned (to be looked at).
 */
export async function openBinds(tx: Tx, connectorId: string): Promise<string[]> {
  const auth = authorizations(tx, { connectorId }).as('auth');
  const authorized = (await tx.selectDistinct({ userId: auth.userId }).from(auth)).map((r) => r.userId);
  const inserted: string[] = [];
  for (let i = 0; i < authorized.length; i += INSERT_CHUNK) {
    const rows = await tx
      .insert(ssoBinds)
      .values(authorized.slice(i, i + INSERT_CHUNK).map((userId) => ({ connectorId, userId, deadline: provisionalDeadline })))
      .onConflictDoNothing()
      .returning({ userId: ssoBinds.userId });
    inserted.push(...rows.map((r) => r.userId));
  }
  const renewed = await newRound(tx, connectorId, { states: ['expired'] });
  return [...new Set([...inserted, ...renewed.map((r) => r.userId)])];
}

/**
 * A new round (a resend): a fresh 72-hour window and a new email; links of earlier rounds stop working.
 * For the users given (else every one not bound) whose window is in one of `states`.
 */
export async function newRound(tx: Tx, connectorId: string, opts: { userIds?: string[]; states: Array<'pending' | 'expired'> }): Promise<Array<{ userId: string; round: number; deadline: Date }>> {
  if (opts.userIds?.length === 0) return [];
  return tx
    .update(ssoBinds)
    .set({ round: sql`${ssoBinds.round} + 1`, state: 'pending', sentAt: null, deadline: provisionalDeadline, updatedAt: sql`now()` })
    .where(and(eq(ssoBinds.connectorId, connectorId), inArray(ssoBinds.state, opts.states), opts.userIds ? inArray(ssoBinds.userId, opts.userIds) : undefined))
    .returning({ userId: ssoBinds.userId, round: ssoBinds.round, deadline: ssoBinds.deadline });
}

/** The round's email went out: its window ends at `deadline`. False when the round is no longer current. */
export async function markSent(tx: Tx, ref: { connectorId: string; userId: string; round: number; deadline: Date }): Promise<boolean> {
  const rows = await tx
    .update(ssoBinds)
    .set({ sentAt: sql`now()`, deadline: ref.deadline, updatedAt: sql`now()` })
    .where(and(eq(ssoBinds.connectorId, ref.connectorId), eq(ssoBinds.userId, ref.userId), eq(ssoBinds.round, ref.round), eq(ssoBinds.state, 'pending')))
    .returning({ userId: ssoBinds.userId });
  return rows.length > 0;
}

/** The round's window ended without a launch. False when it was bound, renewed or withdrawn meanwhile. */
export async function markExpired(tx: Tx, ref: { connectorId: string; userId: string; round: number }): Promise<boolean> {
  const rows = await tx
    .update(ssoBinds)
    .set({ state: 'expired', updatedAt: sql`now()` })
    .where(and(eq(ssoBinds.connectorId, ref.connectorId), eq(ssoBinds.userId, ref.userId), eq(ssoBinds.round, ref.round), eq(ssoBinds.state, 'pending')))
    .returning({ userId: ssoBinds.userId });
  return rows.length > 0;
}

/**
 * The user launched the application through the portal: bound (B2), whether or not a window was open.
 * True for the first launch only.
 */
export async function markBound(tx: Tx, connectorId: string, userId: string): Promise<boolean> {
  const rows = await tx
    .insert(ssoBinds)
    .values({ connectorId, userId, state: 'bound', boundAt: sql`now()`, deadline: sql`now()` })
    .onConflictDoUpdate({ target: [ssoBinds.connectorId, ssoBinds.userId], set: { state: 'bound', boundAt: sql`now()`, updatedAt: sql`now()` }, setWhere: ne(ssoBinds.state, 'bound') })
    .returning({ userId: ssoBinds.userId });
  return rows.length > 0;
}

/** Ends one user's window that was not bound (authorization lost, SSO off). True when there was one. */
export async function withdrawBind(tx: Tx, connectorId: string, userId: string): Promise<boolean> {
  const rows = await tx
    .delete(ssoBinds)
    .where(and(eq(ssoBinds.connectorId, connectorId), eq(ssoBinds.userId, userId), ne(ssoBinds.state, 'bound')))
    .returning({ userId: ssoBinds.userId });
  return rows.length > 0;
}

/** SSO turned off: every window not bound ends. Returns the users whose window ended. */
export async function withdrawBinds(tx: Tx, connectorId: string): Promise<Array<{ userId: string; createdInactive: boolean }>> {
  return tx
    .delete(ssoBinds)
    .where(and(eq(ssoBinds.connectorId, connectorId), ne(ssoBinds.state, 'bound')))
    .returning({ userId: ssoBinds.userId, createdInactive: ssoBinds.createdInactive });
}

export type BindView = { userId: string; username: string; email: string; state: BindState; round: number; deadline: Date; sentAt: Date | null; boundAt: Date | null; createdInactive: boolean; updatedAt: Date };

/** The connector's windows by user ID (keyset pages), optionally in one state. */
export async function listBinds(tx: Tx, connectorId: string, opts: { state?: BindState; after?: string; limit: number }): Promise<BindView[]> {
  return tx
    .select({
      userId: ssoBinds.userId,
      username: directoryUsers.username,
      email: directoryUsers.email,
      state: ssoBinds.state,
      round: ssoBinds.round,
      deadline: ssoBinds.deadline,
      sentAt: ssoBinds.sentAt,
      boundAt: ssoBinds.boundAt,
      createdInactive: ssoBinds.createdInactive,
      updatedAt: ssoBinds.updatedAt,
    })
    .from(ssoBinds)
    .innerJoin(directoryUsers, eq(directoryUsers.id, ssoBinds.userId))
    .where(and(eq(ssoBinds.connectorId, connectorId), opts.state ? eq(ssoBinds.state, opts.state) : undefined, opts.after ? gt(ssoBinds.userId, opts.after) : undefined))
    .orderBy(asc(ssoBinds.userId))
    .limit(opts.limit);
}

/**
 * "Look at this user's bind window" for every connector with SSO on where it may have to change: the user
 * is authorized and not bound (a window to open), or has a window not bound (it may have to end). Queued in
 * the transaction of the change that may have moved the user's authorization (db/outbox.ts enqueueUser).
 */
export async function enqueueBindLooksForUser(tx: Tx, userId: string): Promise<void> {
  const auth = authorizations(tx, { userId, connectorId: sql`c.id` });
  await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'bind', c.id, ${userId} from ${connectors} c
    where c.sso_active
      and not exists (select 1 from ${ssoBinds} b where b.connector_id = c.id and b.user_id = ${userId} and b.state = 'bound')
      and (exists (select 1 from ${ssoBinds} b where b.connector_id = c.id and b.user_id = ${userId}) or exists (${auth}))`);
}

/**
 * The same for every member of a group, for one connector or for every connector the group is bound to
 * (a group bound, unbound or deleted: db/outbox.ts enqueueGroupMembers).
 */
export async function enqueueBindLooksForGroupMembers(tx: Tx, groupId: string, connectorId?: string): Promise<void> {
  const targets = connectorId
    ? sql`select ${connectorId}::text as connector_id`
    : sql`select cg.connector_id from ${connectorGroups} cg where cg.group_id = ${groupId} and cg.unbound_at is null`;
  const auth = authorizations(tx, { userId: sql`gm.user_id`, connectorId: sql`c.id` });
  await tx.execute(sql`
    insert into ${syncIntents} (kind, connector_id, object_id)
    select 'bind', c.id, gm.user_id
    from ${groupMembers} gm, (${targets}) t, ${connectors} c
    where gm.group_id = ${groupId} and c.id = t.connector_id and c.sso_active
      and not exists (select 1 from ${ssoBinds} b where b.connector_id = c.id and b.user_id = gm.user_id and b.state = 'bound')
      and (exists (select 1 from ${ssoBinds} b where b.connector_id = c.id and b.user_id = gm.user_id) or exists (${auth}))`);
}

/** The user's windows on every connector (the portal's tiles). */
export async function bindsOfUser(tx: Tx, userId: string): Promise<Map<string, BindRow>> {
  const rows = await tx.select().from(ssoBinds).where(eq(ssoBinds.userId, userId));
  return new Map(rows.map((r) => [r.connectorId, r]));
}

/**
 * B2, for the planner: the user's account was created in the target while SSO was on, so it stays inactive
 * until their first launch. Opens their window if they have none yet (the bind workflow then emails them).
 */
export async function markCreatedInactive(tx: Tx, connectorId: string, userId: string): Promise<void> {
  await tx
    .insert(ssoBinds)
    .values({ connectorId, userId, createdInactive: true, deadline: provisionalDeadline })
    .onConflictDoUpdate({ target: [ssoBinds.connectorId, ssoBinds.userId], set: { createdInactive: true, updatedAt: sql`now()` } });
  await tx.insert(syncIntents).values({ kind: 'bind', connectorId, objectId: userId }); // its workflow looks (a harmless look if it runs already)
}
