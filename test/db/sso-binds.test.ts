import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryUserFields } from '../../core/directory';
import { bindGroup, unbindGroup } from '../../db/bindings';
import type { Database, Db } from '../../db/client';
import { createConnector, setSsoActive } from '../../db/connectors';
import { addMember, createGroup } from '../../db/groups';
import { enqueueGroupMembers, enqueueUser } from '../../db/outbox';
import { createSession, createSignInLink, findSession, liveUsersByEmail, peekSignInLink, redeemSignInLink } from '../../db/portal-sessions';
import { ssoBinds, syncIntents } from '../../db/schema';
import { getBind, listBinds, markBound, markCreatedInactive, markExpired, markSent, newRound, openBinds, withdrawBind, withdrawBinds } from '../../db/sso-binds';
import { createUser, softDeleteUser } from '../../db/users';
import { generateKey, parseKey } from '../../secrets/secrets';
import { BOTH_DRIVERS } from '../support/database';

// The bind windows' rows and the portal's links and sessions, on both drivers: each round's writes apply to
// that round only, and "look at this bind" is queued exactly where authorization may have moved with SSO on.
const key = parseKey(generateKey());

describe.each(BOTH_DRIVERS)('SSO binds and portal rows on %s', (_name, open) => {
  let database: Database;
  let db: Db;
  let serial = 0;

  beforeAll(async () => {
    database = await open();
    db = database.db;
  }, 60_000);
  afterAll(() => database?.close());
  beforeEach(async () => {
    await db.execute(sql`truncate sync_intents, sso_binds, portal_links, portal_sessions, connector_groups, group_members, user_groups, directory_users, connectors restart identity cascade`);
  });

  const connector = async (sso = true) => {
    const id = (await createConnector(db, key, { label: `C${++serial}` })).id;
    if (sso) await setSsoActive(db, id, true);
    return id;
  };
  const user = async () => (await createUser(db, DirectoryUserFields.parse({ username: `u${++serial}`, email: `U${serial}@Example.com` }))).id;
  /** A connector with SSO on (or off), a bound group with `n` members, and one user outside it. */
  async function world(n: number, sso = true) {
    const c = await connector(sso);
    const g = (await createGroup(db, `G${++serial}`)).id;
    await bindGroup(db, c, g, null);
    const members: string[] = [];
    for (let i = 0; i < n; i++) {
      const u = await user();
      await addMember(db, g, u);
      members.push(u);
    }
    return { c, g, members, outsider: await user() };
  }
  const bindIntents = async () => (await db.select().from(syncIntents).where(eq(syncIntents.kind, 'bind'))).map((i) => `${i.connectorId}/${i.objectId}`).sort();
  const clearIntents = () => db.delete(syncIntents);

  it('opens a window for every authorized user on activation, renews expired ones and leaves pending and bound ones', async () => {
    const { c, members, outsider } = await world(4);
    expect((await openBinds(db, c)).sort()).toEqual([...members].sort());
    expect(await getBind(db, c, outsider)).toBeUndefined();
    await markBound(db, c, members[0]!);
    await markExpired(db, { connectorId: c, userId: members[1]!, round: 1 });
    await markSent(db, { connectorId: c, userId: members[2]!, round: 1, deadline: new Date(Date.now() + 1000) });
    expect(await openBinds(db, c)).toEqual([members[1]]);
    expect(await getBind(db, c, members[1]!)).toMatchObject({ state: 'pending', round: 2, sentAt: null });
    expect(await getBind(db, c, members[2]!)).toMatchObject({ state: 'pending', round: 1 });
    expect((await getBind(db, c, members[0]!))?.state).toBe('bound');
  });

  it('applies a round’s email and expiry to that round only', async () => {
    const { c, members } = await world(1);
    const u = members[0]!;
    await openBinds(db, c);
    const deadline = new Date('2030-01-04T00:00:00Z');
    expect(await markSent(db, { connectorId: c, userId: u, round: 2, deadline })).toBe(false);
    expect(await markSent(db, { connectorId: c, userId: u, round: 1, deadline })).toBe(true);
    expect((await getBind(db, c, u))?.deadline.toISOString()).toBe(deadline.toISOString());
    expect(await newRound(db, c, { userIds: [u], states: ['pending', 'expired'] })).toEqual([expect.objectContaining({ userId: u, round: 2 })]);
    expect(await markExpired(db, { connectorId: c, userId: u, round: 1 })).toBe(false); // the old round's timer
    expect(await markExpired(db, { connectorId: c, userId: u, round: 2 })).toBe(true);
    expect(await markExpired(db, { connectorId: c, userId: u, round: 2 })).toBe(false);
    expect(await newRound(db, c, { states: ['pending'] })).toEqual([]); // expired is not pending
    expect(await newRound(db, c, { userIds: [], states: ['pending', 'expired'] })).toEqual([]);
  });

  it('binds on the first launch only, and never withdraws a bound window', async () => {
    const { c, members } = await world(2);
    await openBinds(db, c);
    expect(await markBound(db, c, members[0]!)).toBe(true);
    expect(await markBound(db, c, members[0]!)).toBe(false);
    const other = await user(); // no window yet: a launch still binds
    expect(await markBound(db, c, other)).toBe(true);
    expect(await withdrawBind(db, c, members[0]!)).toBe(false);
    expect(await withdrawBind(db, c, members[1]!)).toBe(true);
    expect(await withdrawBinds(db, c)).toEqual([]);
    expect((await listBinds(db, c, { limit: 10 })).map((b) => b.state)).toEqual(['bound', 'bound']);
    expect(await listBinds(db, c, { state: 'pending', limit: 10 })).toEqual([]);
  });

  it('withdraws every window not bound when SSO goes off, saying which accounts were kept inactive', async () => {
    const { c, members } = await world(3);
    await openBinds(db, c);
    await markBound(db, c, members[0]!);
    await markCreatedInactive(db, c, members[1]!);
    const ended = await withdrawBinds(db, c);
    expect(ended.map((e) => e.userId).sort()).toEqual([members[1], members[2]].sort());
    expect(ended.find((e) => e.userId === members[1])?.createdInactive).toBe(true);
  });

  it('queues a look at the bind where authorization may have moved, only for connectors with SSO on and users not bound', async () => {
    const on = await world(2);
    const off = await world(1, false);
    await clearIntents();
    await enqueueUser(db, on.members[0]!);
    await enqueueUser(db, on.outsider); // not authorized and no window: nothing to look at
    await enqueueUser(db, off.members[0]!); // SSO off
    expect(await bindIntents()).toEqual([`${on.c}/${on.members[0]}`]);

    await openBinds(db, on.c);
    await markBound(db, on.c, on.members[1]!);
    await clearIntents();
    await enqueueGroupMembers(db, on.g, on.c);
    expect(await bindIntents()).toEqual([`${on.c}/${on.members[0]}`]); // the bound member needs no look

    // Unbound: no longer authorized, but the pending window must end.
    await unbindGroup(db, on.c, on.g, false);
    await clearIntents();
    await enqueueGroupMembers(db, on.g, on.c);
    expect(await bindIntents()).toEqual([`${on.c}/${on.members[0]}`]);
    await withdrawBind(db, on.c, on.members[0]!);
    await clearIntents();
    await enqueueUser(db, on.members[0]!);
    expect(await bindIntents()).toEqual([]); // nothing left to end

    // A deleted user with a pending window: the window must end.
    const again = await world(1);
    await openBinds(db, again.c);
    await softDeleteUser(db, again.members[0]!);
    await clearIntents();
    await enqueueUser(db, again.members[0]!);
    expect(await bindIntents()).toEqual([`${again.c}/${again.members[0]}`]);
  });

  it('marks an account created inactive, opening its window and queueing a look', async () => {
    const { c, members } = await world(1);
    await clearIntents();
    await markCreatedInactive(db, c, members[0]!);
    expect(await getBind(db, c, members[0]!)).toMatchObject({ state: 'pending', round: 1, createdInactive: true });
    expect(await bindIntents()).toEqual([`${c}/${members[0]}`]);
  });

  it('uses a sign-in link once, before it expires, and keeps only hashes', async () => {
    const u = await user();
    const token = await createSignInLink(db, { userId: u, next: '/portal', expiresAt: new Date(Date.now() + 60_000) });
    expect(await peekSignInLink(db, token)).toEqual({ next: '/portal' });
    const [redeemed, twice] = await Promise.all([redeemSignInLink(db, token), redeemSignInLink(db, token)]);
    expect([redeemed, twice].filter(Boolean)).toEqual([{ userId: u, next: '/portal' }]);
    expect(await redeemSignInLink(db, token)).toBeUndefined();
    expect(await peekSignInLink(db, token)).toBeUndefined();
    const expired = await createSignInLink(db, { userId: u, expiresAt: new Date(Date.now() - 1) });
    expect(await redeemSignInLink(db, expired)).toBeUndefined();
    const stored = JSON.stringify(await db.execute(sql`select * from portal_links`));
    expect(stored).not.toContain(token);

    const session = await createSession(db, u, new Date(Date.now() + 60_000));
    expect(await findSession(db, session.id)).toMatchObject({ userId: u, csrfToken: session.csrfToken });
    expect(JSON.stringify(await db.execute(sql`select * from portal_sessions`))).not.toContain(session.id);
    const old = await createSession(db, u, new Date(Date.now() - 1));
    expect(await findSession(db, old.id)).toBeUndefined();
  });

  it('finds live users by email, ignoring case', async () => {
    const u = await user();
    const email = `u${serial}@example.com`;
    expect((await liveUsersByEmail(db, email.toUpperCase())).map((r) => r.id)).toEqual([u]);
    await softDeleteUser(db, u);
    expect(await liveUsersByEmail(db, email)).toEqual([]);
  });

  it('keeps a window per user and connector', async () => {
    const { c, members } = await world(1);
    await openBinds(db, c);
    const rows = await db.select().from(ssoBinds).where(and(eq(ssoBinds.connectorId, c), eq(ssoBinds.userId, members[0]!)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.deadline.getTime()).toBeGreaterThan(Date.now() + 71 * 3_600_000);
  });
});
