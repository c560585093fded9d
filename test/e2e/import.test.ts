import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client';
import { finishImport, importBatch, insertImport, listImportItems } from '../../db/imports';
import { connectors, directoryUsers, importItems, imports, userLinks } from '../../db/schema';
import { ScimUser } from '../../core/scim-user';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Harness, startHarness } from '../support/harness';
import { spawnWorkerProcess } from '../support/worker-process';
import { FORBIDDEN_IN_HISTORY } from '../support/history-audit';
import { historyText } from '../support/history';

// Importing Slack's users into the directory (M1–M3) end to end: the list marked new or imported, small
// imports answered at once, big ones in the background with progress and an email to the admin (real SMTP
// catcher), bad input refused per user, imported users left alone until a bound group includes them, and
// nothing lost or duplicated when the same import runs twice, an activity runs twice, or a worker is killed.
let h: Harness;
let c: string;
let worker: { stop(): Promise<void> } | undefined;
const WAIT = { timeout: 60_000, interval: 200 };
const children = new Set<ChildProcess>();

beforeAll(async () => {
  h = await startHarness({ mail: true, worker: false });
  worker = await h.startWorker();
  c = (await h.ok('POST', '/v1/connectors', { label: 'Import', teamName: 'imp', teamDomain: 'imp.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await worker?.stop();
  await h?.stop();
});

/** A user made in Slack itself (not by Bindery), with whatever attributes are given. */
async function inSlack(userName: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await h.slack('POST', '/Users', { schemas: [SCHEMAS.user, SCHEMAS.enterprise], userName, emails: [{ value: `${userName}@example.com`, primary: true }], ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const writesToSlack = async () => {
  const stats = (await h.slackControl('GET', '/stats')).body.endpoints as Record<string, { total: number }>;
  return Object.entries(stats).filter(([k]) => !k.startsWith('GET')).reduce((n, [, v]) => n + v.total, 0);
};
const requestsTo = async (endpoint: string) => ((await h.slackControl('GET', '/stats')).body.endpoints as Record<string, { total: number }>)[endpoint]?.total ?? 0;
const candidates = async (connectorId: string, q = '') => h.ok('GET', `/v1/connectors/${connectorId}/import-candidates?limit=500${q}`);
const directoryUsersFor = async (remoteIds: string[]) =>
  (await h.db.select({ n: sql<number>`count(*)::int` }).from(userLinks).innerJoin(directoryUsers, eq(directoryUsers.id, userLinks.userId)).where(and(eq(userLinks.connectorId, c), inArray(userLinks.remoteId, remoteIds))))[0]!.n;
const itemsOf = (body: any) => new Map<string, any>(body.items.map((i: any) => [i.remoteId, i]));

/** Whether a user-sync workflow has reconciled its user at least `n` times (its reconcile activity completed). */
async function reconciled(workflowId: string, n = 1): Promise<boolean> {
  try {
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length >= n;
  } catch {
    return false;
  }
}

let ada: string, bob: string, carl: string, dora: string, eve: string, fay: string;
let doraHolder: string, eveHolder: string;

describe('the list (M1)', () => {
  beforeAll(async () => {
    ada = await inSlack('ada', {
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      displayName: 'Ada L',
      title: 'Analyst',
      phoneNumbers: [{ value: '+44 20 1', type: 'mobile' }],
      addresses: [{ streetAddress: '1 Main St', locality: 'London', country: 'GB', primary: true }],
      [SCHEMAS.enterprise]: { employeeNumber: 'E-1', department: 'Research', organization: 'Engines' },
    });
    bob = await inSlack('bob', { name: { givenName: 'Bob', familyName: 'Builder' } });
    carl = await inSlack('carl', { name: { givenName: 'Carl', familyName: 'Gone' } });
    expect((await h.slack('DELETE', `/Users/${carl}`)).status).toBe(204); // deactivated in Slack
    dora = await inSlack('dora');
    eve = await inSlack('eve');
    fay = await inSlack('fay', { name: { givenName: 'Fay', familyName: 'Same' } });
    // Directory users that already hold a username (another case), an email, or both.
    doraHolder = (await h.ok('POST', '/v1/users', { username: 'Dora', email: 'dora.other@example.com' })).id;
    eveHolder = (await h.ok('POST', '/v1/users', { username: 'eve.elsewhere', email: 'EVE@example.com' })).id;
    await h.ok('POST', '/v1/users', { username: 'fay', email: 'fay@example.com' });
  });

  it('marks each Slack user new or imported, new first (deactivated last among them), with counts', async () => {
    const page = await candidates(c);
    expect(page.counts).toEqual({ total: 6, new: 3, imported: 3, deactivated: 1 });
    expect(page.items.map((u: any) => [u.userName, u.status, u.active, u.match ?? null, u.importable])).toEqual([
      ['ada', 'new', true, null, true],
      ['bob', 'new', true, null, true],
      ['carl', 'new', false, null, false],
      ['dora', 'imported', true, 'username', false],
      ['eve', 'imported', true, 'email', false],
      ['fay', 'imported', true, 'same_user', false],
    ]);
    expect(page.items[0]).toMatchObject({ remoteId: ada, name: 'Ada Lovelace', displayName: 'Ada L', email: 'ada@example.com' });
    expect(page.items[3]).toMatchObject({ userId: doraHolder });
    expect(page.items[4]).toMatchObject({ userId: eveHolder });
  });

  it('filters new only, searches by name or email, and pages with a cursor', async () => {
    expect((await candidates(c, '&newOnly=true')).items.map((u: any) => u.userName)).toEqual(['ada', 'bob', 'carl']);
    expect((await candidates(c, '&search=LOVELACE')).items.map((u: any) => u.userName)).toEqual(['ada']);
    expect((await candidates(c, '&search=example.com%20gone')).items.map((u: any) => u.userName)).toEqual(['carl']);
    const first = await h.ok('GET', `/v1/connectors/${c}/import-candidates?limit=4`);
    const second = await h.ok('GET', `/v1/connectors/${c}/import-candidates?limit=4&after=${encodeURIComponent(first.next)}`);
    expect([...first.items, ...second.items].map((u: any) => u.userName)).toEqual(['ada', 'bob', 'carl', 'dora', 'eve', 'fay']);
    expect(second.next).toBeUndefined();
  });

  it('reads Slack at its largest page, through the rate governor, and writes nothing', async () => {
    const listReads = await requestsTo('GET /Users');
    const writes = await writesToSlack();
    await candidates(c);
    expect((await requestsTo('GET /Users')) - listReads).toBe(1); // 6 users: one page of up to 1,000
    expect(await writesToSlack()).toBe(writes);
    const buckets = await h.db.execute(sql`select key from rate_buckets where key like 'imp.slack.com|%'`);
    expect(JSON.stringify(buckets)).toContain('org read');
  });

  it('refuses without identity management (409), for an unknown connector (404), and bad queries (400)', async () => {
    const inactive = (await h.ok('POST', '/v1/connectors', { label: 'No IdM', teamName: 'x', teamDomain: 'x.slack.com' })).id;
    const res = await h.call('GET', `/v1/connectors/${inactive}/import-candidates`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/Identity management is not active.*POST \/v1\/connectors\/.*\/idm\/activate/);
    expect((await h.call('POST', `/v1/connectors/${inactive}/imports`, { allNew: true })).status).toBe(409);
    expect((await h.call('GET', '/v1/connectors/con_nope/import-candidates')).status).toBe(404);
    expect((await h.call('GET', `/v1/connectors/${c}/import-candidates?newOnly=maybe`)).status).toBe(400);
  });
});

describe('importing up to 100 users: the result at once (M1, M2, bad input)', () => {
  let first: any;

  it('creates directory users from their Slack records, refuses the rest per user with the reason and the fix, writes nothing to Slack', async () => {
    const writes = await writesToSlack();
    const usersBefore = (await h.ok('GET', '/v1/users?limit=500')).items.length;
    const res = await h.call('POST', `/v1/connectors/${c}/imports`, { remoteIds: [ada, bob, ada, carl, dora, eve, fay, 'UNOSUCHUSER'] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    first = res.body;
    expect(first).toMatchObject({ status: 'completed', total: 7, created: 2, alreadyImported: 1, refused: 4, workflowId: `import/${c}/${first.id}` });
    expect(first.warnings).toEqual([{ code: 'duplicate_selection', message: `${ada} was selected 2 times: it is imported once.` }]);
    const items = itemsOf(first);
    expect(items.get(ada)).toMatchObject({ outcome: 'created', userName: 'ada', code: null });
    expect(items.get(bob)).toMatchObject({ outcome: 'created', userName: 'bob' });
    expect(items.get(carl)).toMatchObject({ outcome: 'refused', code: 'deactivated', reason: expect.stringMatching(/deactivated in Slack.*--include-deactivated/) });
    expect(items.get(dora)).toMatchObject({ outcome: 'refused', code: 'username_taken', reason: expect.stringContaining(`belongs to directory user ${doraHolder}`) });
    expect(items.get(eve)).toMatchObject({ outcome: 'refused', code: 'email_taken', reason: expect.stringContaining(`belongs to directory user ${eveHolder}`) });
    expect(items.get(fay)).toMatchObject({ outcome: 'already_imported', code: 'same_user' });
    expect(items.get('UNOSUCHUSER')).toMatchObject({ outcome: 'refused', code: 'unknown_id', userName: null, reason: expect.stringContaining('Slack has no user with ID UNOSUCHUSER') });

    // The mapping table read backwards: every attribute Slack holds.
    const user = await h.ok('GET', `/v1/users/${items.get(ada).userId}`);
    expect(user).toMatchObject({
      username: 'ada',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada L',
      jobTitle: 'Analyst',
      phoneNumbers: [{ value: '+44 20 1', type: 'mobile', primary: true }],
      addresses: [{ streetAddress: '1 Main St', locality: 'London', country: 'GB', primary: true }],
      employeeIdentifier: 'E-1',
      department: 'Research',
      company: 'Engines',
      suspended: false,
      groupIds: [],
    });
    expect((await h.ok('GET', '/v1/users?limit=500')).items.length).toBe(usersBefore + 2);
    const links = (await h.ok('GET', `/v1/connectors/${c}/users?state=imported`)).items;
    expect(links.map((l: any) => [l.username, l.remoteId]).sort()).toEqual([['ada', ada], ['bob', bob]]);
    expect(await writesToSlack()).toBe(writes);
    const events = (await h.ok('GET', `/v1/events?connectorId=${c}&type=user_import`)).items;
    expect(events.map((e: any) => e.objectId).sort()).toEqual([items.get(ada).userId, items.get(bob).userId].sort());
    expect(events[0].message).toMatch(/not managed until a group bound to this connector includes them/);
    expect((await h.ok('GET', `/v1/events?connectorId=${c}&type=import_completed`)).items[0]).toMatchObject({ objectId: first.id, outcome: 'success' });

    // The list says so now.
    const now = (await candidates(c)).items.filter((u: any) => [ada, bob].includes(u.remoteId));
    expect(now.map((u: any) => [u.status, u.match])).toEqual([['imported', 'linked'], ['imported', 'linked']]);
  });

  it('running the same import again creates nobody twice: they are already imported', async () => {
    const again = await h.ok('POST', `/v1/connectors/${c}/imports`, { remoteIds: [ada, bob] });
    expect(again).toMatchObject({ status: 'completed', created: 0, alreadyImported: 2, refused: 0 });
    expect(again.items.map((i: any) => i.code)).toEqual(['linked', 'linked']);
    expect(await directoryUsersFor([ada, bob])).toBe(2);
  });

  it('imports a deactivated user only when asked, as a suspended directory user', async () => {
    const res = await h.ok('POST', `/v1/connectors/${c}/imports`, { remoteIds: [carl], includeDeactivated: true });
    expect(res).toMatchObject({ created: 1 });
    expect(await h.ok('GET', `/v1/users/${res.items[0].userId}`)).toMatchObject({ username: 'carl', suspended: true });
  });

  it('lists imports and shows one with its items, filtered by outcome; no email for an import answered at once', async () => {
    const list = (await h.ok('GET', `/v1/connectors/${c}/imports`)).items;
    expect(list.map((i: any) => i.id)).toContain(first.id);
    const refused = await h.ok('GET', `/v1/imports/${first.id}?outcome=refused`);
    expect(refused.items.map((i: any) => i.code).sort()).toEqual(['deactivated', 'email_taken', 'unknown_id', 'username_taken']);
    expect(refused.progress).toBeUndefined();
    expect((await h.mail!.list()).filter((m) => /import/i.test(m.subject))).toEqual([]);
    expect((await h.call('GET', '/v1/imports/imp_nope')).status).toBe(404);
  });

  it('refuses a body that selects both ways or neither (400), and says when there is nothing new (409)', async () => {
    expect((await h.call('POST', `/v1/connectors/${c}/imports`, { remoteIds: [ada], allNew: true })).status).toBe(400);
    expect((await h.call('POST', `/v1/connectors/${c}/imports`, {})).status).toBe(400);
    expect((await h.call('POST', `/v1/connectors/${c}/imports`, { remoteIds: [] })).status).toBe(400);
    expect((await h.call('POST', `/v1/connectors/${c}/imports`, { remoteIds: [ada], notifyEmail: 'nope' })).status).toBe(400);
    const nothing = await h.call('POST', `/v1/connectors/${c}/imports`, { allNew: true });
    expect(nothing.status).toBe(409);
    expect(nothing.body.detail).toMatch(/^Nothing to import: of the 6 user\(s\) in the target, 6 are already in the directory/);
  });

  it('keeps its workflow history to IDs and counts', async () => {
    const text = await historyText(h.client, first.workflowId);
    for (const [what, pattern] of FORBIDDEN_IN_HISTORY) expect(pattern.test(text), what).toBe(false);
    for (const word of ['ada', 'Lovelace', 'Analyst']) expect(text).not.toContain(`"${word}"`);
  });
});

describe('imported but not yet managed (M3)', () => {
  it('leaves an imported user exactly as they are until a bound group includes them; then adopts the account and sends only what differs', async () => {
    const adaUser = (await h.ok('GET', `/v1/connectors/${c}/users?state=imported`)).items.find((l: any) => l.remoteId === ada).userId as string;
    // A sync of an imported, unauthorized user: nothing is sent (with today's rules it would be deactivated).
    const writes = await writesToSlack();
    const started = await h.ok('POST', `/v1/connectors/${c}/users/${adaUser}/sync`);
    await expect.poll(() => reconciled(started.workflowId), WAIT).toBe(true);
    expect(await writesToSlack()).toBe(writes);
    expect((await h.slack('GET', `/Users/${ada}`)).body.active).toBe(true);
    expect((await h.ok('GET', `/v1/connectors/${c}/users?state=imported`)).items.map((l: any) => l.userId)).toContain(adaUser);
    // A dry run agrees: nothing to do for imported users.
    const plan = await h.ok('POST', `/v1/connectors/${c}/plan`);
    const report = await h.ok('GET', `/v1/runs/${plan.planId}?limit=500`);
    expect(report.items.filter((i: any) => i.objectType === 'user')).toEqual([]);

    // Authorized: the first sync links the existing account and sends nothing, since nothing differs.
    const patches = await requestsTo('PATCH /Users/:id');
    const posts = await requestsTo('POST /Users');
    const group = (await h.ok('POST', '/v1/groups', { name: 'Imported team' })).id;
    await h.ok('PUT', `/v1/connectors/${c}/groups/${group}`);
    await h.ok('PUT', `/v1/groups/${group}/members/${adaUser}`);
    await expect.poll(async () => (await h.ok('GET', `/v1/connectors/${c}/users?state=active`)).items.map((l: any) => l.userId), WAIT).toContain(adaUser);
    expect((await h.ok('GET', `/v1/connectors/${c}/users?state=active`)).items.find((l: any) => l.userId === adaUser).remoteId).toBe(ada);
    expect(await requestsTo('PATCH /Users/:id')).toBe(patches);
    expect(await requestsTo('POST /Users')).toBe(posts);

    // Managed like anyone else from then on: a change is sent, and only it.
    await h.ok('PATCH', `/v1/users/${adaUser}`, { jobTitle: 'Lead Analyst' });
    await expect.poll(async () => (await h.slack('GET', `/Users/${ada}`)).body.title, WAIT).toBe('Lead Analyst');
    expect(await requestsTo('PATCH /Users/:id')).toBe(patches + 1);
    const update = (await h.ok('GET', `/v1/events?userId=${adaUser}&type=user_update_provision`)).items[0];
    expect(update.message).toBe('Updated in Slack: title.');
    // …and out of the group, deactivated as anyone would be.
    await h.call('DELETE', `/v1/groups/${group}/members/${adaUser}`);
    await expect.poll(async () => (await h.slack('GET', `/Users/${ada}`)).body.active, WAIT).toBe(false);
  });
});

describe('importing more than 100 users: in the background, with progress and an email (M2)', () => {
  it('runs as import/<connectorId>/<importId>, reports progress, and emails the admin who started it a summary', async () => {
    const bulk = (await h.slackControl('POST', '/users/bulk', { count: 150, detailed: true })).body.ids as string[];
    const taken = await inSlack('zed.taken');
    await h.ok('POST', '/v1/users', { username: 'ZED.TAKEN', email: 'someone.else@example.com' });
    const selection = [...bulk, taken, carl, 'UNOSUCHUSER2'];
    const started = await h.call('POST', `/v1/connectors/${c}/imports`, { remoteIds: selection, notifyEmail: 'boss@example.com' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', total: 153, notifyEmail: 'boss@example.com', workflowId: `import/${c}/${started.body.id}` });
    const id = started.body.id as string;

    // Progress from the workflow's query while it runs, then the stored counts.
    const handle = h.client.workflow.getHandle(started.body.workflowId);
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({ BinderyConnectorId: [c], BinderyOperation: ['import'] });
    await expect.poll(async () => (await h.ok('GET', `/v1/imports/${id}?limit=1`)).status, WAIT).toBe('completed');
    const done = await h.ok('GET', `/v1/imports/${id}?limit=500`);
    expect(done).toMatchObject({ total: 153, created: 150, alreadyImported: 1, refused: 2 });
    expect(await handle.result()).toMatchObject({ status: 'completed', created: 150 });
    expect(await handle.query('progress')).toMatchObject({ phase: 'done', total: 153, done: 153, created: 150, alreadyImported: 1, refused: 2 });
    expect(await directoryUsersFor(bulk)).toBe(150);
    const sample = await h.ok('GET', `/v1/users/${itemsOf(done).get(bulk[0]!).userId}`);
    expect(sample).toMatchObject({ firstName: expect.stringMatching(/^Given\d+$/), lastName: expect.stringMatching(/^Family\d+$/), department: expect.stringMatching(/^Dept /), company: 'Bulk Inc' });

    // The email: to the admin who started it, with the counts and every refusal with its reason.
    const mail = await h.mail!.waitFor((m) => m.subject.startsWith('Bindery import for Import finished'), 30_000);
    expect(mail.to).toEqual(['boss@example.com']);
    expect(mail.subject).toBe('Bindery import for Import finished: 150 created, 2 refused');
    expect(mail.text).toContain(`The import ${id} for connector Import has finished.`);
    expect(mail.text).toContain('Created: 150\nAlready imported: 1\nRefused: 2');
    expect(mail.text).toMatch(/zed\.taken \(remote ID U\w+\): username_taken: The username "zed.taken" belongs to directory user usr_\w+/);
    expect(mail.text).toContain('(unknown) (remote ID UNOSUCHUSER2): unknown_id: Slack has no user with ID UNOSUCHUSER2.');
    expect(mail.text).toContain('Imported users are left as they are until a bound group includes them.');
    expect(mail.html).toContain('<strong>150</strong>');

    // Read as pages of 1,000, not one request per user; the unknown ID confirmed by one lookup.
    const text = await historyText(h.client, started.body.workflowId);
    for (const [what, pattern] of FORBIDDEN_IN_HISTORY) expect(pattern.test(text), what).toBe(false);
    const activities = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).toEqual(['beginImport', 'importTargetPage', 'importTargetPage', 'importRemaining', 'endImport', 'mailImportSummary']);
  });

  it('never creates a second directory user for one Slack user when an activity runs twice at once', async () => {
    const ids = (await h.slackControl('POST', '/users/bulk', { count: 40 })).body.ids as string[];
    // An import whose workflow is not started: its batch is written directly, twice, concurrently (a retried activity while the first still runs).
    const importId = `imp_twice${Date.now()}`;
    await h.db.insert(imports).values({ id: importId, connectorId: c, total: ids.length });
    await h.db.insert(importItems).values(ids.map((remoteId) => ({ importId, remoteId })));
    const records = await Promise.all(ids.map(async (id) => ({ remoteId: id, record: ScimUser.parse((await h.slack('GET', `/Users/${id}`)).body) })));
    const opts = { includeDeactivated: false, targetName: 'Slack' };
    const [a, b] = await Promise.all([importBatch(h.db, { connectorId: c, importId }, records, opts), importBatch(h.db, { connectorId: c, importId }, records, opts)]);
    expect(a.created + b.created).toBe(40);
    expect(Math.min(a.created, b.created)).toBe(0);
    expect(await directoryUsersFor(ids)).toBe(40);
    // And another import of the same accounts, at the same time as a third attempt: already imported, nobody new.
    const [again] = await Promise.all([h.ok('POST', `/v1/connectors/${c}/imports`, { remoteIds: ids.slice(0, 20) }), importBatch(h.db, { connectorId: c, importId }, records, opts)]);
    expect(again).toMatchObject({ created: 0, alreadyImported: 20 });
    expect(await directoryUsersFor(ids)).toBe(40);
  });
});

describe('on embedded PGlite (the default of npm start)', () => {
  it('writes a batch the same way, and a second attempt at it decides nothing again', async () => {
    const embedded = await openDatabase();
    try {
      await embedded.db.insert(connectors).values({ id: 'con_pg', label: 'Embedded', ssoIdpUrl: 'https://sso.example/x' });
      await insertImport(embedded.db, { id: 'imp_pg', connectorId: 'con_pg', notifyEmail: null, workflowId: 'import/con_pg/imp_pg', remoteIds: ['U1', 'U2', 'U3'] });
      const rec = (id: string, fields: Record<string, unknown> = {}) => ({ remoteId: id, record: ScimUser.parse({ id, userName: `pg${id}`, emails: [{ value: `pg${id}@example.com` }], ...fields }) });
      const batch = [rec('U1', { name: { givenName: 'O\'Brien, {x} "q"' }, addresses: [{ locality: 'Köln', primary: true }] }), rec('U2', { active: false }), { remoteId: 'U3', record: null }];
      const opts = { includeDeactivated: false, targetName: 'Slack' };
      expect(await importBatch(embedded.db, { connectorId: 'con_pg', importId: 'imp_pg' }, batch, opts)).toEqual({ created: 1, alreadyImported: 0, refused: 2 });
      expect(await importBatch(embedded.db, { connectorId: 'con_pg', importId: 'imp_pg' }, batch, opts)).toEqual({ created: 0, alreadyImported: 0, refused: 0 });
      const items = await listImportItems(embedded.db, 'imp_pg', { limit: 10 });
      expect(items.map((i) => [i.remoteId, i.outcome, i.reason?.split(':')[0] ?? null])).toEqual([['U1', 'created', null], ['U2', 'refused', 'deactivated'], ['U3', 'refused', 'unknown_id']]);
      const [user] = await embedded.db.select().from(directoryUsers).where(eq(directoryUsers.id, items[0]!.userId!));
      expect(user).toMatchObject({ username: 'pgU1', firstName: 'O\'Brien, {x} "q"', addresses: [{ locality: 'Köln', primary: true }] });
      expect(await finishImport(embedded.db, { connectorId: 'con_pg', importId: 'imp_pg' }, { status: 'completed', targetName: 'Slack' })).toMatchObject({ created: 1, refused: 2, total: 3 });
    } finally {
      await embedded.close();
    }
  });
});

describe('a worker killed mid-import', () => {
  const spawnWorker = () => spawnWorkerProcess(h, children);

  it('loses and duplicates nothing: every Slack user becomes exactly one directory user', { timeout: 300_000 }, async () => {
    await worker?.stop();
    worker = undefined;
    const ids: string[] = [];
    for (let left = 2_500; left > 0; left -= 1000) ids.push(...((await h.slackControl('POST', '/users/bulk', { count: Math.min(left, 1000) })).body.ids as string[]));
    // Slow pages, so that the kill lands in the middle of the work.
    await h.slackControl('POST', '/faults', { latencyMs: 400, methods: ['GET'] });
    const started = await h.ok('POST', `/v1/connectors/${c}/imports`, { allNew: true });
    expect(started.total).toBe(ids.length);
    const created = async () => (await h.db.select({ n: imports.created }).from(imports).where(eq(imports.id, started.id)))[0]!.n;

    const killedAt: number[] = [];
    for (let k = 0; k < 2; k++) {
      const child = await spawnWorker();
      const before = await created();
      await expect.poll(created, { timeout: 90_000, interval: 25 }).toBeGreaterThan(before);
      child.kill('SIGKILL');
      await once(child, 'exit');
      killedAt.push(await created());
    }
    expect(killedAt.at(-1)).toBeLessThan(ids.length); // the kills did land mid-import
    await h.slackControl('POST', '/faults', { latencyMs: 0, errorRate: 0 });
    worker = await h.startWorker();
    await expect.poll(async () => (await h.ok('GET', `/v1/imports/${started.id}?limit=1`)).status, { timeout: 120_000, interval: 250 }).toBe('completed');

    const done = await h.ok('GET', `/v1/imports/${started.id}?limit=1`);
    expect(done).toMatchObject({ total: ids.length, created: ids.length, alreadyImported: 0, refused: 0 });
    expect(await directoryUsersFor(ids)).toBe(ids.length);
    const names = await h.db.select({ n: sql<number>`count(*)::int` }).from(directoryUsers).where(sql`${directoryUsers.username} like 'bulk%'`);
    expect(names[0]!.n).toBe(40 + 150 + ids.length); // every bulk user of this file, once each
    console.log(`import crash test: ${ids.length} users, kills after ${killedAt.join(', ')} created`);
  });
});
