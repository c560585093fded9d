import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS } from '../../targets/slack/facts';
import { type Harness, startHarness } from '../support/harness';
import { runCli } from '../support/cli';

// The import as a person runs it from the `bindery` CLI (M1–M3): the list, an import answered at once with
// one line per user, a background import followed with --watch, and an import's status.
let h: Harness;
let c: string;
let ada: string;
let bob: string;
let gone: string;

beforeAll(async () => {
  h = await startHarness();
  c = (await h.ok('POST', '/v1/connectors', { label: 'Cli import', teamName: 'cli', teamDomain: 'cli-import.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  const make = async (userName: string, fields: Record<string, unknown> = {}) =>
    (await h.slack('POST', '/Users', { schemas: [SCHEMAS.user], userName, emails: [{ value: `${userName}@example.com`, primary: true }], ...fields })).body.id as string;
  ada = await make('ada', { name: { givenName: 'Ada', familyName: 'Lovelace' } });
  bob = await make('bob', { name: { givenName: 'Bob', familyName: 'Builder' } });
  gone = await make('gone');
  await h.slack('DELETE', `/Users/${gone}`);
  await h.ok('POST', '/v1/users', { username: 'taken', email: 'taken.elsewhere@example.com' });
  await make('taken');
});
afterAll(() => h?.stop());

/** The real `bindery` CLI against the harness's API. */
const bindery = (args: string[], input?: string) => runCli(h, args, input);

describe('bindery connector import-list', () => {
  it('lists Slack users new first, deactivated shown as such, with counts; --new-only, --search and paging', async () => {
    const all = await bindery(['connector', 'import-list', c]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toBe('4 user(s) in the target: 3 new, 1 imported, 1 deactivated');
    expect(lines[1]).toMatch(/^STATUS\s+REMOTEID\s+USERNAME\s+NAME\s+EMAIL\s+ACCOUNT\s+DIRECTORYUSER$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([`new ${ada} ada`, `new ${bob} bob`, `new ${gone} gone`, expect.stringMatching(/^imported U\w+ taken$/)]);
    expect(lines[2]).toMatch(/Ada Lovelace\s+ada@example\.com\s+active/);
    expect(lines[4]).toMatch(/\sdeactivated$/);
    expect(lines[5]).toMatch(/usr_\w+ \(username\)$/);

    expect((await bindery(['connector', 'import-list', c, '--new-only'])).stdout).not.toContain('taken');
    const search = await bindery(['connector', 'import-list', c, '--search', 'builder']);
    expect(search.stdout.trim().split('\n').slice(2)).toEqual([expect.stringMatching(/^new\s+U\w+\s+bob\s/)]);
    const page = await bindery(['connector', 'import-list', c, '--limit', '2']);
    const cursor = /more: --after (\S+)$/.exec(page.stdout.trim())?.[1];
    expect(cursor).toBeDefined();
    const rest = await bindery(['connector', 'import-list', c, '--limit', '2', '--after', cursor!]);
    expect(rest.stdout).toContain('gone');
    expect(rest.stdout).not.toContain('more:');
    const json = JSON.parse((await bindery(['--json', 'connector', 'import-list', c, '--new-only'])).stdout);
    expect(json.items.map((u: any) => u.userName)).toEqual(['ada', 'bob', 'gone']);
  });
});

describe('bindery connector import', () => {
  it('answers a small import at once, one line per user, and says imported users are not managed yet', async () => {
    const res = await bindery(['connector', 'import', c, '--ids', `${ada},${bob},${ada}`, `${gone}`, 'UNOPE']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr.trim()).toBe(`bindery: warning: ${ada} was selected 2 times: it is imported once.`);
    const lines = res.stdout.trim().split('\n');
    // In remote ID order: one line per selected user.
    for (const pattern of [
      new RegExp(`^created +${ada} ada → usr_\\w+$`),
      new RegExp(`^created +${bob} bob → usr_\\w+$`),
      new RegExp(`^refused +${gone} gone: deactivated: The account is deactivated in Slack\\. .*--include-deactivated`),
      /^refused +UNOPE: unknown_id: Slack has no user with ID UNOPE\. /,
    ]) {
      expect(lines.slice(0, 4).filter((l) => pattern.test(l)), pattern.source).toHaveLength(1);
    }
    expect(lines[4]).toMatch(/^\[#{20}\] imp_\w+ completed: 4\/4 · created 2 · already imported 0 · refused 2$/);
    expect(lines[5]).toMatch(/^Imported users are not managed until a group bound to the connector includes them/);

    const again = await bindery(['connector', 'import', c, '--ids', ada]);
    expect(again.stdout).toMatch(new RegExp(`^already imported  ${ada} ada → usr_\\w+ \\(linked: Already linked to directory user usr_\\w+\\.\\)`));
  });

  it('runs a big import in the background: says how to follow it, and --watch shows its progress until it ends', async () => {
    await h.slackControl('POST', '/users/bulk', { count: 120 });
    const importable = async () => JSON.parse((await bindery(['--json', 'connector', 'import-list', c, '--new-only', '--limit', '500'])).stdout).items.filter((u: any) => u.importable).length as number;
    const n = await importable();
    expect(n).toBeGreaterThanOrEqual(120);
    const watched = await bindery(['connector', 'import', c, '--all-new', '--watch', '--notify-email', 'ops@example.com']);
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    // Not a terminal: one line per refresh, the last one complete; then the refusals (none) and the note.
    expect(lines.filter((l) => l.endsWith(`completed: ${n}/${n} · created ${n} · already imported 0 · refused 0`) && l.startsWith(`[${'#'.repeat(20)}] imp_`))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^Imported users are not managed until/);
    const id = /imp_\w+/.exec(lines[0]!)![0];

    const status = await bindery(['connector', 'import-status', id, '--outcome', 'created']);
    expect(status.stdout.trim().split('\n')).toHaveLength(1 + n);
    expect(status.stdout).toMatch(/^created +U\w+ bulk\d+ → usr_\w+$/m);
    const imports = await bindery(['connector', 'imports', c]);
    expect(imports.stdout.trim().split('\n')[0]).toContain(`${id} completed: ${n}/${n}`);
    expect(await importable()).toBe(0);

    await h.slackControl('POST', '/users/bulk', { count: 101 });
    const background = await bindery(['connector', 'import', c, '--all-new']);
    expect(background.stdout.trim()).toMatch(/^import (imp_\w+): 101 user\(s\), running in the background as import\/con_\w+\/imp_\w+\.\nThe connector’s admin is emailed a summary when it completes\.\nFollow it: bindery connector import-status imp_\w+ --watch$/);
    const followed = await bindery(['--json', 'connector', 'import-status', /import (imp_\w+)/.exec(background.stdout)![1]!, '--watch']);
    expect(followed.code, followed.stderr).toBe(0);
    // --json: one JSON object per refresh, then the import with its users.
    const refreshes = followed.stdout.split('\n').filter((l) => l.startsWith('{"id"')).map((l) => JSON.parse(l));
    expect(refreshes.at(-1)).toMatchObject({ status: 'completed', progress: { total: 101, created: 101 } });
  });

  it('says how to select, in one line, and fails on an unknown connector', async () => {
    const none = await bindery(['connector', 'import', c]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('bindery: give --ids <id,…> or --all-new (one of them); see `bindery connector import-list` for the IDs');
    const both = await bindery(['connector', 'import', c, '--ids', ada, '--all-new']);
    expect(both.code).toBe(1);
    const unknown = await bindery(['connector', 'import-list', 'con_nope']);
    expect(unknown.stderr.trim()).toBe('bindery: Not found: No connector con_nope');
  });
});
