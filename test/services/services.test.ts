import { createServer } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryUserFields, type DirectoryUserInput } from '../../core/directory';
import { isAuthorized } from '../../db/authorization';
import { getBinding } from '../../db/bindings';
import { type Database, type Db, openDatabase } from '../../db/client';
import { getConnector } from '../../db/connectors';
import { getGroupLink, saveGroupLink } from '../../db/group-links';
import { getLink, saveLink } from '../../db/links';
import { connectorGroups, connectors, groupLinks, insightsEvents, syncIntents, userLinks } from '../../db/schema';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { generateKey, parseKey } from '../../secrets/secrets';
import { bindGroup, connectorGroups as listConnectorGroups, unbindGroup, unbindImpact } from '../../services/bindings';
import {
  activateIdentityManagement,
  createConnector,
  deactivateIdentityManagement,
  deleteConnector,
  reauthenticate,
  updateConnectorSettings,
  updateIdentityManagement,
} from '../../services/connectors';
import { change, DomainError, type ServiceDeps } from '../../services/context';
import { addMember, createGroup, deleteGroup, getGroup, removeMember, renameGroup } from '../../services/groups';
import { createUser, deleteUser, getUser, updateUser } from '../../services/users';

// The services layer on embedded PGlite, without Temporal and without the HTTP API: every rule the
// services hold, with the sync intents (the outbox) each change queues. A token is checked against the
// repository's own Slack emulator, in-process over real HTTP.

const TOKEN = 'xoxp-services-test-token';

let database: Database;
let db: Db;
let emulator: RunningEmulator;
let deps: ServiceDeps;
let notified = 0;

beforeAll(async () => {
  database = await openDatabase();
  db = database.db;
  emulator = await startEmulator({ port: 0, token: TOKEN, rateLimits: { enabled: false } });
  deps = { db, secretKey: parseKey(generateKey()), notify: () => void notified++ };
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await database?.close();
});

// Each test starts from an empty directory: warnings name every IdM-active connector, so tests must not see each other's.
beforeEach(async () => {
  await db.execute(
    sql`truncate ${syncIntents}, ${insightsEvents}, ${groupLinks}, ${userLinks}, ${connectorGroups}, group_members, user_groups, directory_users, ${connectors} restart identity cascade`,
  );
  notified = 0;
});

// ---- helpers ----

type Row = { id: string };

/** An IdM-active Slack connector, its token verified by the emulator. */
async function slack(label: string, extra: { plan?: 'business_plus' | 'enterprise_grid'; groupManagement?: boolean } = {}) {
  return createConnector(deps, { label, teamName: label.toLowerCase(), teamDomain: `${label.toLowerCase()}.slack.com`, scimBaseUrl: emulator.baseUrl, scimToken: TOKEN, ...extra });
}

/** A Slack connector without identity management. */
async function inactive(label: string) {
  return createConnector(deps, { label, teamName: label.toLowerCase(), teamDomain: `${label.toLowerCase()}.slack.com` });
}

/** An IdM-active generic SCIM connector (the emulator speaks SCIM 2.0 well enough to verify a token). */
async function generic(label: string) {
  return createConnector(deps, { kind: 'scim', label, scimBaseUrl: emulator.baseUrl, scimToken: TOKEN });
}

async function user(username: string, fields: Partial<DirectoryUserInput> = {}) {
  const email = `${username.replace(/[^A-Za-z0-9._-]/g, '_')}@example.com`;
  return change(deps, (tx) => createUser(tx, DirectoryUserFields.parse({ username, email, ...fields })));
}

async function group(name: string) {
  return change(deps, (tx) => createGroup(tx, name));
}

async function member(g: Row, u: Row) {
  return change(deps, (tx) => addMember(tx, g.id, u.id));
}

async function bind(c: Row, g: Row, override?: string) {
  return change(deps, (tx) => bindGroup(tx, c.id, g.id, override));
}

async function unbind(c: Row, g: Row) {
  return change(deps, (tx) => unbindGroup(tx, c.id, g.id));
}

/** Removes and returns every queued intent, as sorted "kind connector object" lines (duplicates kept); schedules only when asked. */
async function takeAll(opts: { schedules?: boolean } = {}): Promise<string[]> {
  const rows = await db.delete(syncIntents).returning();
  return rows.filter((r) => opts.schedules || r.kind !== 'schedule').map((r) => `${r.kind} ${r.connectorId} ${r.objectId}`).sort();
}

const userIntent = (c: Row, u: Row) => `user ${c.id} ${u.id}`;
const groupIntent = (c: Row, g: Row) => `group ${c.id} ${g.id}`;
const sorted = (...lines: string[]) => [...lines].sort();

/** The DomainError a call is refused with (fails the test when it succeeds or throws anything else). */
async function refusal(work: Promise<unknown>): Promise<DomainError> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but the call succeeded');
}

async function events(connectorOrObjectId?: string) {
  const rows = await db.select().from(insightsEvents).orderBy(insightsEvents.id);
  return connectorOrObjectId ? rows.filter((e) => e.connectorId === connectorOrObjectId || e.objectId === connectorOrObjectId) : rows;
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- users ----

describe('users', () => {
  it('queue the user for each IdM-active connector that authorizes them or is linked to them, and none other', async () => {
    const authorizing = await slack('Authorizing');
    const linked = await slack('Linked');
    const unrelated = await slack('Unrelated');
    const wasBound = await slack('WasBound');
    const off = await inactive('Off');
    await takeAll();

    // A brand-new user: no group, no link yet, so no connector is concerned.
    const u = await user('queued.user');
    expect(u.groupIds).toEqual([]);
    expect(await takeAll()).toEqual([]);
    expect(notified).toBeGreaterThan(0);

    const bound = await group('Bound');
    const boundToOff = await group('Bound to an inactive connector');
    const unboundLater = await group('Unbound later');
    const deletedLater = await group('Deleted later');
    await bind(authorizing, bound);
    await bind(off, boundToOff);
    await bind(wasBound, unboundLater);
    await bind(unrelated, deletedLater);
    for (const g of [bound, boundToOff, unboundLater, deletedLater]) await member(g, u);
    await unbind(wasBound, unboundLater);
    await change(deps, (tx) => deleteGroup(tx, deletedLater.id));
    await saveLink(db, { connectorId: linked.id, userId: u.id, remoteId: 'U0001', state: 'active' });
    await takeAll();

    const updated = await change(deps, (tx) => updateUser(tx, u.id, { firstName: 'Queued' }));
    expect(updated.groupIds.sort()).toEqual([bound.id, boundToOff.id, unboundLater.id].sort());
    expect(await takeAll()).toEqual(sorted(userIntent(authorizing, u), userIntent(linked, u)));
  });

  it('refuse a username already taken, ignoring case, by a live user or a deleted one, saying why', async () => {
    const alice = await user('Alice');
    const live = await refusal(user('alice'));
    expect(live.kind).toBe('conflict');
    expect(live.message).toMatch(/already exists.*unique, ignoring case/);
    expect(live.details).toEqual({ userId: alice.id });

    const bob = await user('bob');
    expect((await refusal(change(deps, (tx) => updateUser(tx, bob.id, { username: 'ALICE' })))).kind).toBe('conflict');
    // A change of case of one's own username is no clash.
    expect((await change(deps, (tx) => updateUser(tx, alice.id, { username: 'ALICE' }))).username).toBe('ALICE');

    await change(deps, (tx) => deleteUser(tx, alice.id));
    const deleted = await refusal(user('aLiCe'));
    expect(deleted.kind).toBe('conflict');
    expect(deleted.message).toContain(`belongs to the deleted directory user ${alice.id}`);
    expect(deleted.message).toMatch(/a deleted user keeps its username.*deactivated account/);
    expect(deleted.details).toEqual({ userId: alice.id });
    const renamed = await refusal(change(deps, (tx) => updateUser(tx, bob.id, { username: 'alice' })));
    expect(renamed.message).toContain('belongs to the deleted directory user');
  });

  it('update only the given fields', async () => {
    const u = await user('partial', { firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Analyst', department: 'Maths', guest: true });
    const updated = await change(deps, (tx) => updateUser(tx, u.id, { jobTitle: 'Engineer' }));
    expect(updated).toMatchObject({ username: 'partial', email: 'partial@example.com', firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Engineer', department: 'Maths', guest: true });
    expect(await change(deps, (tx) => getUser(tx, u.id))).toMatchObject({ firstName: 'Ada', jobTitle: 'Engineer', guest: true });
    expect((await refusal(change(deps, (tx) => updateUser(tx, 'usr_missing', { jobTitle: 'x' })))).kind).toBe('not_found');
  });

  it('queue a deleted user for the connectors that authorized them, before deleting them', async () => {
    const authorizing = await slack('Authorizing');
    const linked = await slack('Linked');
    await slack('Unrelated');
    const off = await inactive('Off');
    const u = await user('leaving');
    const g = await group('Team');
    const g2 = await group('Team on an inactive connector');
    await bind(authorizing, g);
    await bind(off, g2);
    await member(g, u);
    await member(g2, u);
    await saveLink(db, { connectorId: linked.id, userId: u.id, remoteId: 'U0002', state: 'active' });
    await takeAll();

    await change(deps, (tx) => deleteUser(tx, u.id));
    expect(await takeAll()).toEqual(sorted(userIntent(authorizing, u), userIntent(linked, u)));
    // Deleted: authorized nowhere, hidden from the directory, and the record stays.
    expect(await isAuthorized(db, authorizing.id, u.id)).toBe(false);
    expect((await refusal(change(deps, (tx) => getUser(tx, u.id)))).kind).toBe('not_found');
    expect((await refusal(change(deps, (tx) => deleteUser(tx, u.id)))).kind).toBe('not_found');
    expect(await takeAll()).toEqual([]);
  });

  it('store a username Slack will refuse, with one warning per rule naming the connectors concerned', async () => {
    const s1 = await slack('One');
    const s2 = await slack('Two');
    await generic('Generic'); // a generic SCIM service provider takes any username on one line
    await inactive('Off');

    const long = await user('a'.repeat(22));
    expect(long.id).toBeDefined();
    expect((await change(deps, (tx) => getUser(tx, long.id))).username).toBe('a'.repeat(22));
    expect(long.warnings).toHaveLength(1);
    const [tooLong] = long.warnings!;
    expect(tooLong!.code).toBe('username_too_long');
    expect(tooLong!.message).toMatch(/has 22 characters; Slack needs fewer than 21/);
    expect(tooLong!.message).toContain('once authorized');
    expect([...tooLong!.connectorIds!].sort()).toEqual([s1.id, s2.id].sort());
    for (const id of [s1.id, s2.id]) expect(tooLong!.message).toContain(id);

    const spaced = await user('john smith');
    expect(spaced.warnings?.map((w) => w.code)).toEqual(['username_invalid']);
    expect(spaced.warnings![0]!.message).toContain('a space');
    expect([...spaced.warnings![0]!.connectorIds!].sort()).toEqual([s1.id, s2.id].sort());

    // Once a bound group authorizes the user, only the authorizing connectors are named.
    const g = await group('Bound to one');
    await bind(s1, g);
    const added = await member(g, long);
    expect(added.warnings).toEqual([{ code: 'username_too_long', message: expect.stringContaining(`it will not be provisioned to connector ${s1.id}.`), connectorIds: [s1.id] }]);
    expect(added.warnings![0]!.message).not.toContain(s2.id);
    const updated = await change(deps, (tx) => updateUser(tx, long.id, { firstName: 'Long' }));
    expect(updated.warnings?.map((w) => w.connectorIds)).toEqual([[s1.id]]);

    // Both rules at once: two warnings.
    expect((await user('b b b b b b b b b b b b')).warnings?.map((w) => w.code).sort()).toEqual(['username_invalid', 'username_too_long']);
  });

  it('give no warning for a fine user, nor while no connector has identity management active', async () => {
    await inactive('Off');
    expect((await user('x'.repeat(30))).warnings).toBeUndefined();
    await slack('Active');
    const fine = await user('fine.user-1_ok');
    expect(fine.warnings).toBeUndefined();
    expect('warnings' in fine).toBe(false);
  });
});

// ---- groups ----

describe('groups', () => {
  it('keep names unique among live groups, ignoring case; a deleted group’s name can be used again', async () => {
    const eng = await group('Engineering');
    const clash = await refusal(group('ENGINEERING'));
    expect(clash.kind).toBe('conflict');
    expect(clash.message).toMatch(/A group named "Engineering" already exists.*unique, ignoring case/);
    expect(clash.details).toEqual({ groupId: eng.id });

    const ops = await group('Ops');
    expect((await refusal(change(deps, (tx) => renameGroup(tx, ops.id, 'engineering')))).kind).toBe('conflict');
    expect((await change(deps, (tx) => renameGroup(tx, eng.id, 'ENGINEERING'))).name).toBe('ENGINEERING');

    await change(deps, (tx) => deleteGroup(tx, eng.id));
    const again = await group('engineering');
    expect(again.id).not.toBe(eng.id);
    expect((await refusal(change(deps, (tx) => renameGroup(tx, ops.id, 'Engineering')))).details).toEqual({ groupId: again.id });
    // A rename frees the old name.
    await change(deps, (tx) => renameGroup(tx, ops.id, 'Operations'));
    expect((await group('OPS')).name).toBe('OPS');
  });

  it('queue a renamed group for each bound IdM-active connector', async () => {
    const a = await slack('A');
    const b = await slack('B');
    const wasBound = await slack('WasBound');
    const off = await inactive('Off');
    const g = await group('Sales');
    await bind(a, g);
    await bind(b, g, 'two workspaces');
    await bind(off, g, 'and a third');
    await bind(wasBound, g, 'and a fourth');
    await unbind(wasBound, g);
    await takeAll();

    const renamed = await change(deps, (tx) => renameGroup(tx, g.id, 'Sales & Marketing'));
    expect(renamed).toMatchObject({ name: 'Sales & Marketing', connectorIds: [a.id, b.id, off.id].sort() });
    expect(await takeAll()).toEqual(sorted(groupIntent(a, g), groupIntent(b, g)));
    // The same name again: nothing changes, nothing is queued.
    await change(deps, (tx) => renameGroup(tx, g.id, 'Sales & Marketing'));
    expect(await takeAll()).toEqual([]);
  });

  it('queue every member and the group for each bound connector when a group is deleted', async () => {
    const a = await slack('A');
    const b = await slack('B');
    const off = await inactive('Off');
    const other = await slack('Other');
    const g = await group('Doomed');
    const [u1, u2, gone] = [await user('u1'), await user('u2'), await user('gone')];
    for (const u of [u1, u2, gone]) await member(g, u);
    await change(deps, (tx) => deleteUser(tx, gone.id));
    await bind(a, g);
    await bind(b, g, 'shared');
    await bind(off, g, 'shared too');
    await bind(other, await group('Elsewhere'));
    await takeAll();

    await change(deps, (tx) => deleteGroup(tx, g.id));
    // Every member, deleted or not: each member's sync decides by itself.
    expect(await takeAll()).toEqual(
      sorted(groupIntent(a, g), groupIntent(b, g), ...[u1, u2, gone].flatMap((u) => [userIntent(a, u), userIntent(b, u)])),
    );
    expect((await refusal(change(deps, (tx) => getGroup(tx, g.id)))).kind).toBe('not_found');
    expect((await refusal(change(deps, (tx) => deleteGroup(tx, g.id)))).kind).toBe('not_found');
    // Bindings and memberships stay for the cascade, but no longer authorize anyone.
    expect(await getBinding(db, a.id, g.id)).toMatchObject({ unboundAt: null });
    expect(await isAuthorized(db, a.id, u1.id)).toBe(false);
  });

  it('add and remove members idempotently: a second call queues nothing', async () => {
    const a = await slack('A');
    const linked = await slack('Linked');
    const g = await group('Members');
    await bind(a, g);
    const u = await user('a'.repeat(25));
    await saveLink(db, { connectorId: linked.id, userId: u.id, remoteId: 'U0003', state: 'active' });
    await takeAll();

    const first = await member(g, u);
    expect(first).toMatchObject({ groupId: g.id, userId: u.id, added: true });
    expect(first.warnings?.map((w) => [w.code, w.connectorIds])).toEqual([['username_too_long', [a.id]]]);
    expect(await takeAll()).toEqual(sorted(groupIntent(a, g), userIntent(a, u), userIntent(linked, u)));
    const second = await member(g, u);
    expect(second).toEqual({ groupId: g.id, userId: u.id, added: false });
    expect(await takeAll()).toEqual([]);
    expect((await change(deps, (tx) => getGroup(tx, g.id))).memberIds).toEqual([u.id]);

    // After the removal the user is no longer authorized by `a`: the linked connector is still queued, and the group.
    const removed = await change(deps, (tx) => removeMember(tx, g.id, u.id));
    expect(removed).toEqual({ groupId: g.id, userId: u.id, removed: true });
    expect(await takeAll()).toEqual(sorted(groupIntent(a, g), userIntent(linked, u)));
    expect(await change(deps, (tx) => removeMember(tx, g.id, u.id))).toEqual({ groupId: g.id, userId: u.id, removed: false });
    expect(await takeAll()).toEqual([]);

    expect((await refusal(member(g, { id: 'usr_missing' }))).kind).toBe('not_found');
    expect((await refusal(member({ id: 'grp_missing' }, u))).kind).toBe('not_found');
  });
});

// ---- bindings ----

describe('bindings', () => {
  it('queue the members and the group on bind, the group only when identity management is active; binding again is a no-op', async () => {
    const a = await slack('A');
    const off = await inactive('Off');
    const g = await group('Bound');
    const [u1, u2] = [await user('m1'), await user('m2')];
    await member(g, u1);
    await member(g, u2);
    await takeAll();

    const bound = await bind(a, g);
    expect(bound.created).toBe(true);
    expect(bound.binding).toMatchObject({ connectorId: a.id, groupId: g.id, groupName: 'Bound', state: 'bound', unboundAt: null, overrideReason: null });
    expect(bound.binding.warnings).toBeUndefined();
    expect(await takeAll()).toEqual(sorted(groupIntent(a, g), userIntent(a, u1), userIntent(a, u2)));

    const again = await bind(a, g);
    expect(again.created).toBe(false);
    expect(again.binding.state).toBe('bound');
    expect(await takeAll()).toEqual([]);

    const g2 = await group('On an inactive connector');
    await member(g2, u1);
    await takeAll();
    expect((await bind(off, g2)).created).toBe(true);
    expect(await takeAll()).toEqual([]);

    expect((await refusal(bind({ id: 'con_missing' }, g))).kind).toBe('not_found');
    expect((await refusal(bind(a, { id: 'grp_missing' }))).kind).toBe('not_found');
  });

  it('refuse to bind again a group unbound while group management is on (G4), with the remedy for the surface used', async () => {
    const a = await slack('A');
    const g = await group('One way');
    await member(g, await user('m1'));
    await bind(a, g);
    await unbind(a, g);
    await takeAll();

    const err = await refusal(bind(a, g));
    expect(err.kind).toBe('conflict');
    expect(err.message).toContain('Bindery left the group in the target as it was');
    expect(err.details.unboundAt).toBeInstanceOf(Date);
    const api = err.describe('api');
    const cli = err.describe('cli');
    expect(api).not.toBe(cli);
    expect(api.startsWith(err.message)).toBe(true);
    expect(api).toContain(`PATCH /v1/connectors/${a.id}/idm {"groupManagement": false}`);
    expect(cli).toContain(`bindery connector idm-update ${a.id} --group-management off`);
    expect(cli).not.toContain('PATCH');
    // Refused: nothing changed, nothing queued.
    expect((await getBinding(db, a.id, g.id))!.unboundAt).not.toBeNull();
    expect(await takeAll()).toEqual([]);
  });

  it('bind again a group unbound while nothing managed it in a target (group management off then, or identity management inactive)', async () => {
    const a = await slack('A', { groupManagement: false });
    const g = await group('Off then');
    await bind(a, g);
    await unbind(a, g);
    await change(deps, (tx) => updateIdentityManagement(tx, a.id, { groupManagement: true }));
    expect((await bind(a, g)).binding).toMatchObject({ state: 'bound' });

    const idle = await inactive('Idle');
    const h = await group('Never sent');
    await bind(idle, h);
    expect((await unbindImpact(db, idle.id, h.id)).oneWay).toBe(false);
    await unbind(idle, h);
    expect((await bind(idle, h)).binding).toMatchObject({ state: 'bound' });
  });

  it('bind again a group unbound from a connector with group management off', async () => {
    const a = await slack('A', { groupManagement: false });
    const g = await group('Two way');
    const u = await user('m1');
    await member(g, u);
    await bind(a, g);
    await unbind(a, g);
    await takeAll();

    const again = await bind(a, g);
    expect(again.binding).toMatchObject({ state: 'bound', unboundAt: null });
    expect(await isAuthorized(db, a.id, u.id)).toBe(true);
    expect(await takeAll()).toEqual(sorted(groupIntent(a, g), userIntent(a, u)));
  });

  it('refuse a group bound to another connector (G5) unless an override reason is given', async () => {
    const a = await slack('A');
    const b = await slack('B');
    const g = await group('Shared');
    const u = await user('m1');
    await member(g, u);
    await bind(a, g);
    await takeAll();

    const err = await refusal(bind(b, g));
    expect(err.kind).toBe('conflict');
    expect(err.details).toEqual({ boundTo: [a.id] });
    expect(err.describe('cli')).toContain('--override');
    expect(err.describe('api')).toContain('"override"');
    expect(await getBinding(db, b.id, g.id)).toBeUndefined();
    expect(await takeAll()).toEqual([]);

    const forced = await bind(b, g, 'two workspaces during the migration');
    expect(forced.created).toBe(true);
    expect(forced.binding.overrideReason).toBe('two workspaces during the migration');
    expect(forced.binding.warnings).toEqual([{ code: 'bound_twice', message: expect.stringContaining('bound to 2 connectors'), connectorIds: [a.id, b.id] }]);
    expect(await takeAll()).toEqual(sorted(groupIntent(b, g), userIntent(b, u)));

    // A binding that was removed does not count.
    const c = await slack('C');
    const h = await group('Moved');
    await bind(a, h);
    await unbind(a, h);
    expect((await bind(c, h)).binding.warnings).toBeUndefined();
  });

  it('unbind: the group link is disabled and the members are queued; unbinding twice is fine, a never-bound group is not found', async () => {
    const a = await slack('A');
    const g = await group('Leaving');
    const [u1, u2] = [await user('m1'), await user('m2')];
    await member(g, u1);
    await member(g, u2);
    await bind(a, g);
    await saveGroupLink(db, { connectorId: a.id, groupId: g.id, remoteGroupId: 'S0001', state: 'synced', memberCount: 2 });
    await takeAll();

    await unbind(a, g);
    expect(await getGroupLink(db, a.id, g.id)).toMatchObject({ state: 'disabled', remoteGroupId: 'S0001' });
    expect(await takeAll()).toEqual(sorted(userIntent(a, u1), userIntent(a, u2)));
    expect(await isAuthorized(db, a.id, u1.id)).toBe(false);

    await unbind(a, g);
    expect(await takeAll()).toEqual([]);
    const never = await group('Never bound');
    const err = await refusal(unbind(a, never));
    expect(err.kind).toBe('not_found');
    expect((await refusal(unbind({ id: 'con_missing' }, g))).kind).toBe('not_found');
  });

  it('unbindImpact counts the live members and says whether unbinding is one-way', async () => {
    const a = await slack('A');
    const usersOnly = await slack('UsersOnly', { groupManagement: false });
    const g = await group('Impact');
    const [u1, u2, gone] = [await user('m1'), await user('m2'), await user('gone')];
    for (const u of [u1, u2, gone]) await member(g, u);
    await change(deps, (tx) => deleteUser(tx, gone.id));
    await bind(a, g);
    await bind(usersOnly, g, 'both');

    expect(await unbindImpact(db, a.id, g.id)).toEqual({ connectorId: a.id, groupId: g.id, groupName: 'Impact', members: 2, oneWay: true });
    expect(await unbindImpact(db, usersOnly.id, g.id)).toMatchObject({ members: 2, oneWay: false });
    await unbind(a, g);
    expect((await refusal(unbindImpact(db, a.id, g.id))).kind).toBe('not_found');
    expect((await refusal(unbindImpact(db, a.id, (await group('Never')).id))).kind).toBe('not_found');
  });

  it('connectorGroups counts the members still active in the target for a group no longer synced', async () => {
    const a = await slack('A');
    const kept = await group('Kept');
    const left = await group('Left');
    const [active, needsAction, deactivated, unlinked, deletedUser] = [await user('active'), await user('needs'), await user('deact'), await user('unlinked'), await user('deleted')];
    for (const u of [active, needsAction, deactivated, unlinked, deletedUser]) {
      await member(kept, u);
      await member(left, u);
    }
    await saveLink(db, { connectorId: a.id, userId: active.id, remoteId: 'U1', state: 'active' });
    await saveLink(db, { connectorId: a.id, userId: needsAction.id, remoteId: 'U2', state: 'needs_action' });
    await saveLink(db, { connectorId: a.id, userId: deactivated.id, remoteId: 'U3', state: 'deactivated' });
    await saveLink(db, { connectorId: a.id, userId: deletedUser.id, remoteId: 'U5', state: 'active' });
    await change(deps, (tx) => deleteUser(tx, deletedUser.id));
    await bind(a, kept);
    await bind(a, left);
    await saveGroupLink(db, { connectorId: a.id, groupId: kept.id, remoteGroupId: 'S1', state: 'synced', memberCount: 7 });
    await saveGroupLink(db, { connectorId: a.id, groupId: left.id, remoteGroupId: 'S2', state: 'synced', memberCount: 9 });
    await unbind(a, left);

    const views = await listConnectorGroups(db, a.id);
    const byGroup = new Map(views.map((v) => [v.groupId, v]));
    // Still synced: the count the last group-sync recorded.
    expect(byGroup.get(kept.id)).toMatchObject({ state: 'bound', groupLink: { state: 'synced', memberCount: 7, remoteGroupId: 'S1' } });
    // No longer synced: the target kept the group, minus its deactivated members.
    expect(byGroup.get(left.id)).toMatchObject({ state: 'unbound', groupLink: { state: 'disabled', memberCount: 2, remoteGroupId: 'S2' } });

    // Group management off: every group is left as it is, counted the same way.
    await change(deps, (tx) => updateIdentityManagement(tx, a.id, { groupManagement: false }));
    const off = new Map((await listConnectorGroups(db, a.id)).map((v) => [v.groupId, v]));
    expect(off.get(kept.id)!.groupLink).toMatchObject({ state: 'disabled', memberCount: 2 });
    expect(off.get(left.id)!.groupLink).toMatchObject({ state: 'disabled', memberCount: 2 });
  });
});

// ---- connectors ----

describe('connectors', () => {
  it('verify the token against the target, record the activation, and note the plan', async () => {
    const c = await slack('Acme');
    expect(c).toMatchObject({ kind: 'slack', idmStatus: 'active', hasScimToken: true, plan: 'business_plus', scimBaseUrl: emulator.baseUrl });
    expect(JSON.stringify(c)).not.toContain(TOKEN);
    expect(c.warnings?.map((w) => w.code)).toEqual(['plan_business_plus']);
    expect(await events(c.id)).toEqual([expect.objectContaining({ type: 'idm_integration_activate', connectorId: c.id, objectType: 'connector', objectId: c.id, outcome: 'success' })]);

    const grid = await slack('Grid', { plan: 'enterprise_grid' });
    expect(grid.warnings?.map((w) => w.code)).toEqual(['plan_enterprise_grid']);

    const chooser = await createConnector(deps, { label: 'Chooser', teamName: 'chooser', teamDomain: 'chooser.slack.com', scimBaseUrl: emulator.baseUrl, scimToken: TOKEN, usersChooseDisplayName: true });
    expect(chooser.warnings?.map((w) => w.code)).toEqual(['plan_business_plus', 'users_choose_display_name']);

    // Without a token nothing is verified: inactive, no event; the plan is still noted.
    const off = await inactive('Off');
    expect(off).toMatchObject({ idmStatus: 'inactive', hasScimToken: false });
    expect(off.warnings?.map((w) => w.code)).toEqual(['plan_business_plus']);
    expect(await events(off.id)).toEqual([]);

    // A generic SCIM connector has no plan: no note.
    const scim = await generic('Generic');
    expect(scim).toMatchObject({ kind: 'scim', idmStatus: 'active' });
    expect(scim.warnings).toBeUndefined();
    expect(scim.remoteConfig).not.toBeNull();
  });

  it('store nothing when the target refuses the token, and record the failure', async () => {
    const err = await refusal(createConnector(deps, { label: 'Refused', teamName: 'refused', teamDomain: 'refused.slack.com', scimBaseUrl: emulator.baseUrl, scimToken: 'xoxp-wrong' }));
    expect(err.kind).toBe('refused');
    expect(err.message).toMatch(/^Slack did not accept the SCIM URL and token/);
    expect(err.details.errorCode).toEqual(expect.any(String));
    expect(err.message).not.toContain('xoxp-wrong');
    expect(await db.select().from(connectors)).toEqual([]);
    const [failure, ...rest] = await events('Refused');
    expect(rest).toEqual([]);
    expect(failure).toMatchObject({ type: 'idm_integration_activate', connectorId: null, objectType: 'connector', objectId: 'Refused', outcome: 'failure', errorCode: err.details.errorCode });
    expect(failure!.message).not.toContain('xoxp-wrong');
  });

  it('store nothing when the target cannot be reached', async () => {
    const port = await closedPort();
    const err = await refusal(createConnector(deps, { label: 'Nowhere', teamName: 'nowhere', teamDomain: 'nowhere.slack.com', scimBaseUrl: `http://127.0.0.1:${port}/scim/v2`, scimToken: TOKEN }));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/^Nothing was stored: Slack could not be reached at http:\/\/127\.0\.0\.1:\d+\/scim\/v2/);
    expect(err.describe('cli')).toContain('--scim-url');
    expect(await db.select().from(connectors)).toEqual([]);
    expect(await events('Nowhere')).toEqual([expect.objectContaining({ outcome: 'failure', type: 'idm_integration_activate' })]);
  });

  it('turn group management off (group links disabled, nothing queued) and on (every bound group queued)', async () => {
    const a = await slack('A');
    const [g1, g2, gUnbound, gDeleted] = [await group('G1'), await group('G2'), await group('Unbound'), await group('Deleted')];
    const u = await user('m1');
    for (const g of [g1, g2, gUnbound, gDeleted]) {
      await member(g, u);
      await bind(a, g);
    }
    await unbind(a, gUnbound);
    await change(deps, (tx) => deleteGroup(tx, gDeleted.id));
    await saveGroupLink(db, { connectorId: a.id, groupId: g1.id, remoteGroupId: 'S1', state: 'synced', memberCount: 1 });
    await saveGroupLink(db, { connectorId: a.id, groupId: g2.id, state: 'failed', lastErrorCode: 'invalid_name', lastError: 'x' });
    await saveGroupLink(db, { connectorId: a.id, groupId: gDeleted.id, remoteGroupId: 'S4', state: 'deleted' });
    await takeAll();

    const off = await change(deps, (tx) => updateIdentityManagement(tx, a.id, { groupManagement: false }));
    expect(off.groupManagement).toBe(false);
    expect(await takeAll()).toEqual([]);
    expect((await getGroupLink(db, a.id, g1.id))!.state).toBe('disabled');
    expect((await getGroupLink(db, a.id, g2.id))!.state).toBe('disabled');
    expect((await getGroupLink(db, a.id, gDeleted.id))!.state).toBe('deleted');
    expect((await events(a.id)).at(-1)).toMatchObject({ type: 'idm_integration_update', outcome: 'success', message: expect.stringContaining('group management on → off') });
    // Users are still managed: the user is authorized as before.
    expect(await isAuthorized(db, a.id, u.id)).toBe(true);

    // Off again: nothing changes.
    await change(deps, (tx) => updateIdentityManagement(tx, a.id, { groupManagement: false }));
    expect(await takeAll()).toEqual([]);
    expect((await events(a.id)).at(-1)!.message).toContain('nothing changed');

    await change(deps, (tx) => updateIdentityManagement(tx, a.id, { groupManagement: true }));
    expect(await takeAll()).toEqual(sorted(groupIntent(a, g1), groupIntent(a, g2)));

    // Without identity management, turning it on queues nothing.
    const inert = await inactive('Inert');
    await change(deps, (tx) => updateIdentityManagement(tx, inert.id, { groupManagement: false }));
    const h = await group('H');
    await bind(inert, h);
    await change(deps, (tx) => updateIdentityManagement(tx, inert.id, { groupManagement: true }));
    expect(await takeAll()).toEqual([]);
  });

  it('queue every user of the connector, authorized or linked, when the plan changes', async () => {
    const a = await slack('A');
    const other = await slack('Other');
    const g = await group('Members');
    const [m1, m2, linkedOnly, outsider] = [await user('m1'), await user('m2'), await user('linked'), await user('outsider')];
    await member(g, m1);
    await member(g, m2);
    await bind(a, g);
    await saveLink(db, { connectorId: a.id, userId: linkedOnly.id, remoteId: 'U9', state: 'deactivated' });
    await saveLink(db, { connectorId: other.id, userId: outsider.id, remoteId: 'U8', state: 'active' });
    await takeAll();

    const grid = await change(deps, (tx) => updateIdentityManagement(tx, a.id, { plan: 'enterprise_grid' }));
    expect(grid.plan).toBe('enterprise_grid');
    expect(grid.warnings?.map((w) => w.code)).toEqual(['plan_enterprise_grid']);
    expect(await takeAll()).toEqual(sorted(userIntent(a, m1), userIntent(a, m2), userIntent(a, linkedOnly)));

    // The same plan again: nothing to look at, no note.
    const same = await change(deps, (tx) => updateIdentityManagement(tx, a.id, { plan: 'enterprise_grid' }));
    expect(same.warnings).toBeUndefined();
    expect(await takeAll()).toEqual([]);

    // Through the general settings too.
    const back = await change(deps, (tx) => updateConnectorSettings(tx, a.id, { plan: 'business_plus' }));
    expect(back.warnings?.map((w) => w.code)).toEqual(['plan_business_plus']);
    expect(await takeAll()).toEqual(sorted(userIntent(a, m1), userIntent(a, m2), userIntent(a, linkedOnly)));
    expect((await change(deps, (tx) => updateConnectorSettings(tx, a.id, { label: 'Renamed' }))).label).toBe('Renamed');
    expect(await takeAll()).toEqual([]);
  });

  it('refuse Slack settings on a generic connector, and deprovision "delete" on Slack', async () => {
    const scim = await generic('Generic');
    const a = await slack('A');
    for (const settings of [{ plan: 'enterprise_grid' as const }, { usersChooseDisplayName: true }]) {
      const err = await refusal(change(deps, (tx) => updateIdentityManagement(tx, scim.id, settings)));
      expect(err.kind).toBe('invalid');
      expect(err.message).toContain("Slack's settings");
    }
    expect((await refusal(change(deps, (tx) => updateConnectorSettings(tx, scim.id, { plan: 'enterprise_grid' })))).kind).toBe('invalid');
    expect((await change(deps, (tx) => updateIdentityManagement(tx, scim.id, { deprovision: 'delete' }))).deprovision).toBe('delete');

    const slackDelete = await refusal(change(deps, (tx) => updateIdentityManagement(tx, a.id, { deprovision: 'delete' })));
    expect(slackDelete.kind).toBe('invalid');
    expect(slackDelete.message).toContain('Slack never deletes users through SCIM');
    expect((await getConnector(db, a.id))!.deprovision).toBe('deactivate');
    expect((await getConnector(db, scim.id))!.plan).toBe('business_plus');
  });

  it('delete a connector only with confirm "1", removing its links, group links, bindings and intents but keeping events', async () => {
    const a = await slack('Doomed');
    const keep = await slack('Kept');
    const g = await group('G');
    const u = await user('m1');
    await member(g, u);
    await bind(a, g);
    await bind(keep, await group('Other'));
    await saveLink(db, { connectorId: a.id, userId: u.id, remoteId: 'U1', state: 'active' });
    await saveGroupLink(db, { connectorId: a.id, groupId: g.id, remoteGroupId: 'S1', state: 'synced', memberCount: 1 });
    await change(deps, (tx) => updateIdentityManagement(tx, keep.id, { plan: 'enterprise_grid' }));
    await db.insert(syncIntents).values({ kind: 'user', connectorId: keep.id, objectId: u.id });
    const queuedForA = (await db.select().from(syncIntents).where(eq(syncIntents.connectorId, a.id))).length;
    expect(queuedForA).toBeGreaterThan(0);

    for (const confirm of [undefined, '', '  ', '2', 'yes']) {
      const err = await refusal(change(deps, (tx) => deleteConnector(tx, a.id, confirm)));
      expect(err.kind).toBe('invalid');
      expect(err.title).toBe('Confirmation required');
      expect(err.describe('api')).toContain('?confirm=1');
      expect(err.describe('cli')).toContain('--confirm 1');
      if (confirm === '2') expect(err.message).toMatch(/^confirm=2 does not match .*nothing was deleted/);
    }
    expect(await getConnector(db, a.id)).toBeDefined();
    expect(await getLink(db, a.id, u.id)).toBeDefined();

    const deleted = await change(deps, (tx) => deleteConnector(tx, a.id, ' 1 '));
    expect(deleted.id).toBe(a.id);
    expect(await getConnector(db, a.id)).toBeUndefined();
    expect(await db.select().from(userLinks).where(eq(userLinks.connectorId, a.id))).toEqual([]);
    expect(await db.select().from(groupLinks).where(eq(groupLinks.connectorId, a.id))).toEqual([]);
    expect(await db.select().from(connectorGroups).where(eq(connectorGroups.connectorId, a.id))).toEqual([]);
    expect(await db.select().from(syncIntents).where(eq(syncIntents.connectorId, a.id))).toEqual([]);
    // Events stay: the activation, and the deletion itself.
    expect((await events(a.id)).map((e) => e.type)).toEqual(['idm_integration_activate', 'idm_integration_delete']);
    // The other connector keeps its state; the group and its members stay in the directory.
    expect(await getConnector(db, keep.id)).toBeDefined();
    expect((await db.select().from(syncIntents).where(eq(syncIntents.connectorId, keep.id))).length).toBeGreaterThan(0);
    expect((await change(deps, (tx) => getGroup(tx, g.id))).memberIds).toEqual([u.id]);
    expect((await refusal(change(deps, (tx) => deleteConnector(tx, a.id, '1')))).kind).toBe('not_found');
  });

  it('activate identity management once, queueing the users its groups authorize; activating twice is a conflict', async () => {
    const c = await inactive('Later');
    const g = await group('G');
    const u = await user('m1');
    await member(g, u);
    await bind(c, g);
    expect(await takeAll()).toEqual([]);

    const activated = await activateIdentityManagement(deps, c.id, { baseUrl: emulator.baseUrl, token: TOKEN });
    expect(activated).toMatchObject({ idmStatus: 'active', hasScimToken: true });
    expect(await takeAll()).toEqual([userIntent(c, u)]);
    expect((await events(c.id)).map((e) => [e.type, e.outcome])).toEqual([['idm_integration_activate', 'success']]);

    const twice = await refusal(activateIdentityManagement(deps, c.id, { baseUrl: emulator.baseUrl, token: TOKEN }));
    expect(twice.kind).toBe('conflict');
    expect(twice.describe('api')).toContain(`POST /v1/connectors/${c.id}/idm/reauth`);
    expect(twice.describe('cli')).toContain(`bindery connector reauth ${c.id}`);

    // A refused activation leaves the connector inactive.
    const other = await inactive('Other');
    expect((await refusal(activateIdentityManagement(deps, other.id, { baseUrl: emulator.baseUrl, token: 'xoxp-wrong' }))).kind).toBe('refused');
    expect((await getConnector(db, other.id))!.idmStatus).toBe('inactive');
    expect((await events(other.id)).map((e) => [e.type, e.outcome])).toEqual([['idm_integration_activate', 'failure']]);
    expect(await takeAll({ schedules: true })).toEqual([]);
  });

  it('queue the resync schedule with every activation and deactivation (S1), so it follows identity management', async () => {
    const c = await inactive('Scheduled');
    await takeAll({ schedules: true });
    await activateIdentityManagement(deps, c.id, { baseUrl: emulator.baseUrl, token: TOKEN });
    expect(await takeAll({ schedules: true })).toEqual([`schedule ${c.id} ${c.id}`]);
    await change(deps, (tx) => deactivateIdentityManagement(tx, c.id));
    expect(await takeAll({ schedules: true })).toEqual([`schedule ${c.id} ${c.id}`]);
  });

  it('re-authenticate only while identity management is active', async () => {
    const off = await inactive('Off');
    const err = await refusal(reauthenticate(deps, off.id, TOKEN));
    expect(err.kind).toBe('conflict');
    expect(err.describe('cli')).toContain(`bindery connector activate ${off.id}`);

    const a = await slack('A');
    const before = (await getConnector(db, a.id))!.scimTokenEncrypted;
    const wrong = await refusal(reauthenticate(deps, a.id, 'xoxp-wrong'));
    expect(wrong.kind).toBe('refused');
    expect((await getConnector(db, a.id))!.scimTokenEncrypted).toBe(before);
    expect((await reauthenticate(deps, a.id, TOKEN)).idmStatus).toBe('active');
    expect((await getConnector(db, a.id))!.scimTokenEncrypted).not.toBe(before);
    expect((await events(a.id)).map((e) => [e.type, e.outcome])).toEqual([
      ['idm_integration_activate', 'success'],
      ['idm_integration_reauth', 'failure'],
      ['idm_integration_reauth', 'success'],
    ]);

    // Deactivated: the token is forgotten and reauth is refused again.
    await change(deps, (tx) => deactivateIdentityManagement(tx, a.id));
    expect((await getConnector(db, a.id))!.scimTokenEncrypted).toBeNull();
    expect((await refusal(reauthenticate(deps, a.id, TOKEN))).kind).toBe('conflict');
    expect((await refusal(change(deps, (tx) => deactivateIdentityManagement(tx, a.id)))).kind).toBe('conflict');
  });
});
