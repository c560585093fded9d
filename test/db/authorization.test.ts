import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryUserFields } from '../../core/directory';
import { LINK_STATES } from '../../core/links';
import { authorizedAmong, authorizingConnectors, authorizingGroups, countAuthorized, isAuthorized } from '../../db/authorization';
import { bindGroup, unbindGroup } from '../../db/bindings';
import type { Database, Db } from '../../db/client';
import { createConnector } from '../../db/connectors';
import { addMember, createGroup, softDeleteGroup } from '../../db/groups';
import { saveLink } from '../../db/links';
import { enqueueConnectorUsers, enqueueUser } from '../../db/outbox';
import { syncIntents } from '../../db/schema';
import { createUser, softDeleteUser } from '../../db/users';
import { generateKey, parseKey } from '../../secrets/secrets';
import { BOTH_DRIVERS } from '../support/database';
import { prng } from '../support/prng';
import { concernedUsers } from '../../engine/resync';

// The one definition of "authorized" (db/authorization.ts), and the outbox queries built on it, with the
// same cases on both drivers: embedded PGlite in memory, and a PostgreSQL database of this file's own.

const key = parseKey(generateKey());

describe.each(BOTH_DRIVERS)('authorization on %s', (_name, open) => {
  let database: Database;
  let db: Db;
  let serial = 0;

  beforeAll(async () => {
    database = await open();
    db = database.db;
  }, 60_000);
  afterAll(() => database?.close());

  beforeEach(async () => {
    await db.execute(sql`truncate sync_intents, user_links, group_links, connector_groups, group_members, user_groups, directory_users, connectors restart identity cascade`);
  });

  const connector = async (active = true) => (await createConnector(db, key, { label: `C${++serial}`, ...(active ? { scimBaseUrl: 'http://slack.test/scim/v2', scimToken: 'xoxp-t' } : {}) })).id;
  const group = async () => (await createGroup(db, `Group ${++serial}`)).id;
  const user = async () => {
    const n = ++serial;
    return (await createUser(db, DirectoryUserFields.parse({ username: `user${n}`, email: `user${n}@example.com` }))).id;
  };

  /** A user in a group bound to a connector: authorized there. */
  async function authorizedTrio() {
    const [c, g, u] = [await connector(), await group(), await user()];
    await addMember(db, g, u);
    await bindGroup(db, c, g, null);
    return { c, g, u };
  }

  async function takeAll(): Promise<string[]> {
    const rows = await db.delete(syncIntents).returning();
    return rows.map((r) => `${r.kind} ${r.connectorId} ${r.objectId}`).sort();
  }

  describe('a single membership', () => {
    it('authorizes a member of a live group bound to the connector', async () => {
      const { c, g, u } = await authorizedTrio();
      expect(await isAuthorized(db, c, u)).toBe(true);
      expect(await authorizingGroups(db, c, u)).toEqual([g]);
      expect(await authorizingConnectors(db, u)).toEqual([c]);
      expect(await countAuthorized(db, c)).toBe(1);
      expect(await authorizedAmong(db, c, [u, 'usr_unknown'])).toEqual(new Set([u]));
      expect(await authorizedAmong(db, c, [])).toEqual(new Set());
    });

    it('does not authorize a user who is not a member, nor through an unbound group', async () => {
      const { c } = await authorizedTrio();
      const outsider = await user();
      expect(await isAuthorized(db, c, outsider)).toBe(false);
      const notBound = await group();
      await addMember(db, notBound, outsider);
      expect(await isAuthorized(db, c, outsider)).toBe(false);
      expect(await authorizingConnectors(db, outsider)).toEqual([]);
      expect(await authorizingGroups(db, c, outsider)).toEqual([]);
      expect(await countAuthorized(db, c)).toBe(1);
    });

    it('does not authorize once the group is deleted', async () => {
      const { c, g, u } = await authorizedTrio();
      await softDeleteGroup(db, g);
      expect(await isAuthorized(db, c, u)).toBe(false);
      expect(await authorizingGroups(db, c, u)).toEqual([]);
      expect(await authorizingConnectors(db, u)).toEqual([]);
      expect(await countAuthorized(db, c)).toBe(0);
      expect(await authorizedAmong(db, c, [u])).toEqual(new Set());
    });

    it('does not authorize once the binding is unbound, and again once bound again', async () => {
      const { c, g, u } = await authorizedTrio();
      await unbindGroup(db, c, g, true);
      expect(await isAuthorized(db, c, u)).toBe(false);
      expect(await countAuthorized(db, c)).toBe(0);
      expect(await authorizingConnectors(db, u)).toEqual([]);
      await bindGroup(db, c, g, null);
      expect(await isAuthorized(db, c, u)).toBe(true);
    });

    it('does not authorize a deleted user', async () => {
      const { c, u } = await authorizedTrio();
      await softDeleteUser(db, u);
      expect(await isAuthorized(db, c, u)).toBe(false);
      expect(await authorizingConnectors(db, u)).toEqual([]);
      expect(await authorizingGroups(db, c, u)).toEqual([]);
      expect(await countAuthorized(db, c)).toBe(0);
      expect(await authorizedAmong(db, c, [u])).toEqual(new Set());
    });

    it('authorizes only for the connector the group is bound to', async () => {
      const { c: other, u } = await authorizedTrio();
      const c = await connector();
      expect(await isAuthorized(db, c, u)).toBe(false);
      expect(await isAuthorized(db, other, u)).toBe(true);
      expect(await authorizingConnectors(db, u)).toEqual([other]);
      expect(await countAuthorized(db, c)).toBe(0);
    });

    it('counts a user authorized through two groups once', async () => {
      const { c, g, u } = await authorizedTrio();
      const g2 = await group();
      await addMember(db, g2, u);
      await bindGroup(db, c, g2, null);
      expect(await countAuthorized(db, c)).toBe(1);
      expect(await authorizingGroups(db, c, u)).toEqual([g, g2].sort());
      expect(await authorizingConnectors(db, u)).toEqual([c]);
      expect(await authorizedAmong(db, c, [u, u])).toEqual(new Set([u]));
    });
  });

  describe('a seeded random directory', () => {
    type Directory = {
      connectors: Array<{ id: string; active: boolean }>;
      groups: Array<{ id: string; deleted: boolean }>;
      users: Array<{ id: string; deleted: boolean }>;
      members: Map<string, Set<string>>; // group → users
      bindings: Array<{ connectorId: string; groupId: string; unbound: boolean }>;
      links: Array<{ connectorId: string; userId: string }>;
    };

    /** Builds a directory from a seed, through the database layer, and returns what it wrote. */
    async function seedDirectory(seed: number): Promise<Directory> {
      const random = prng(seed);
      const chance = (p: number) => random() < p;
      const dir: Directory = { connectors: [], groups: [], users: [], members: new Map(), bindings: [], links: [] };
      // Three with identity management active, two without (authorization does not depend on it; the outbox does).
      for (let i = 0; i < 5; i++) dir.connectors.push({ id: await connector(i < 3), active: i < 3 });
      for (let i = 0; i < 12; i++) dir.groups.push({ id: await group(), deleted: chance(0.2) });
      for (let i = 0; i < 40; i++) dir.users.push({ id: await user(), deleted: chance(0.15) });
      for (const g of dir.groups) {
        const members = new Set(dir.users.filter(() => chance(0.25)).map((u) => u.id));
        dir.members.set(g.id, members);
        for (const u of members) await addMember(db, g.id, u);
      }
      for (const c of dir.connectors) {
        for (const g of dir.groups) {
          if (!chance(0.3)) continue;
          const unbound = chance(0.3);
          await bindGroup(db, c.id, g.id, null);
          if (unbound) await unbindGroup(db, c.id, g.id, true);
          dir.bindings.push({ connectorId: c.id, groupId: g.id, unbound });
        }
        for (const u of dir.users) {
          if (!chance(0.15)) continue;
          await saveLink(db, { connectorId: c.id, userId: u.id, remoteId: `U${++serial}`, state: LINK_STATES[Math.floor(random() * LINK_STATES.length)]! });
          dir.links.push({ connectorId: c.id, userId: u.id });
        }
      }
      // Deleted last, so memberships and bindings of deleted objects exist, as they do after a soft delete.
      for (const g of dir.groups) if (g.deleted) await softDeleteGroup(db, g.id);
      for (const u of dir.users) if (u.deleted) await softDeleteUser(db, u.id);
      return dir;
    }

    /** The definition, in plain TypeScript: connector → user → the groups that authorize the user there. */
    function expectedAuthorizations(dir: Directory): Map<string, Map<string, string[]>> {
      const liveGroups = new Set(dir.groups.filter((g) => !g.deleted).map((g) => g.id));
      const liveUsers = new Set(dir.users.filter((u) => !u.deleted).map((u) => u.id));
      const out = new Map<string, Map<string, string[]>>(dir.connectors.map((c) => [c.id, new Map()]));
      for (const b of dir.bindings) {
        if (b.unbound || !liveGroups.has(b.groupId)) continue;
        for (const u of dir.members.get(b.groupId)!) {
          if (!liveUsers.has(u)) continue;
          const byUser = out.get(b.connectorId)!;
          byUser.set(u, [...(byUser.get(u) ?? []), b.groupId].sort());
        }
      }
      return out;
    }

    for (const seed of [1, 42, 20240611]) {
      it(`the queries agree with each other and with the definition (seed ${seed})`, async () => {
        const dir = await seedDirectory(seed);
        const expected = expectedAuthorizations(dir);
        const allUsers = dir.users.map((u) => u.id);
        let authorizedPairs = 0;

        for (const c of dir.connectors) {
          const byUser = expected.get(c.id)!;
          authorizedPairs += byUser.size;
          expect(await countAuthorized(db, c.id)).toBe(byUser.size);
          expect(await authorizedAmong(db, c.id, [...allUsers, 'usr_unknown'])).toEqual(new Set(byUser.keys()));
          const half = allUsers.filter((_, i) => i % 2 === 0);
          expect(await authorizedAmong(db, c.id, half)).toEqual(new Set(half.filter((u) => byUser.has(u))));
          for (const u of allUsers) {
            expect(await isAuthorized(db, c.id, u), `isAuthorized(${c.id}, ${u})`).toBe(byUser.has(u));
            expect(await authorizingGroups(db, c.id, u), `authorizingGroups(${c.id}, ${u})`).toEqual(byUser.get(u) ?? []);
          }
        }
        for (const u of allUsers) {
          const connectorsOf = dir.connectors.filter((c) => expected.get(c.id)!.has(u)).map((c) => c.id).sort();
          expect(await authorizingConnectors(db, u), `authorizingConnectors(${u})`).toEqual(connectorsOf);
        }
        // The seeds make a directory where the definition is not trivially empty or full.
        expect(authorizedPairs).toBeGreaterThan(5);
        expect(authorizedPairs).toBeLessThan(dir.connectors.length * allUsers.length);
      });

      it(`enqueueUser and enqueueConnectorUsers queue the authorized and linked, for IdM-active connectors (seed ${seed})`, async () => {
        const dir = await seedDirectory(seed);
        const expected = expectedAuthorizations(dir);
        const linked = (c: string, u: string) => dir.links.some((l) => l.connectorId === c && l.userId === u);
        await takeAll();
        // The seeds exercise every branch: users concerned through a link only, and through an inactive connector only.
        expect(dir.links.some((l) => !expected.get(l.connectorId)!.has(l.userId))).toBe(true);
        expect(dir.connectors.some((c) => !c.active && expected.get(c.id)!.size > 0)).toBe(true);

        for (const u of dir.users) {
          const concerned = dir.connectors.filter((c) => c.active && (expected.get(c.id)!.has(u.id) || linked(c.id, u.id)));
          const queued = await db.transaction((tx) => enqueueUser(tx, u.id));
          expect(queued).toBe(concerned.length);
          expect(await takeAll(), `enqueueUser(${u.id})`).toEqual(concerned.map((c) => `user ${c.id} ${u.id}`).sort());
        }

        // Callers call it for connectors with identity management active only.
        for (const c of dir.connectors.filter((x) => x.active)) {
          await db.transaction((tx) => enqueueConnectorUsers(tx, c.id));
          const users = new Set([...expected.get(c.id)!.keys(), ...dir.links.filter((l) => l.connectorId === c.id).map((l) => l.userId)]);
          expect(await takeAll(), `enqueueConnectorUsers(${c.id})`).toEqual([...users].map((u) => `user ${c.id} ${u}`).sort());
        }
      });
    }
  });

  it('pages through the users a connector concerns (authorized or linked) with no gap and no repeat', async () => {
    const c = await connector();
    const [a, b] = [await group(), await group()];
    const users: string[] = [];
    for (let i = 0; i < 12; i++) users.push(await user());
    for (const u of users.slice(0, 8)) await addMember(db, a, u);
    for (const u of users.slice(4, 10)) await addMember(db, b, u); // 4–7 authorized twice
    await bindGroup(db, c, a, null);
    await bindGroup(db, c, b, null);
    for (const u of users.slice(8)) await saveLink(db, { connectorId: c, userId: u, remoteId: `U${u}`, state: 'active' }); // 10, 11: linked only
    await softDeleteUser(db, users[3]!); // neither authorized nor linked any more
    const expected = users.filter((_, i) => i !== 3).sort();

    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await concernedUsers(db, c, after, 3);
      pages.push(page);
      if (page.length < 3) break;
      after = page.at(-1);
    }
    expect(pages.flat()).toEqual(expected);
    expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
  });
});
