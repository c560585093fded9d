import { sql } from 'drizzle-orm';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness';
import { BINDERY_BIN, cliEnv, runCli } from '../support/cli';

const run = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

/** The real `bindery` CLI against the harness's API. */
const bindery = (args: string[], input?: string) => runCli(h, args, input);

describe('bindery CLI → API → workflow → Slack', () => {
  it('creates a connector and a user, syncs the user into Slack, and lists the event', async () => {
    const connector = await bindery(['--json', 'connector', 'create', '--label', 'Slack', '--team-name', 'acme', '--team-domain', 'acme.slack.com', '--scim-url', h.emulator.baseUrl, '--token-stdin'], h.slackToken);
    expect(connector.stderr).toBe('');
    const connectorId = JSON.parse(connector.stdout).id as string;
    expect(JSON.parse(connector.stdout)).toMatchObject({ idmStatus: 'active', hasScimToken: true });
    expect(connector.stdout).not.toContain(h.slackToken);

    const user = await bindery(['--json', 'user', 'create', '--username', 'cli.user', '--email', 'cli.user@example.com', '--first-name', 'Cli', '--last-name', 'User', '--phone', 'mobile:+15550100']);
    const userId = JSON.parse(user.stdout).id as string;
    // A user is authorized for a connector only through a group bound to it.
    const groupId = JSON.parse((await bindery(['--json', 'group', 'create', '--name', `${tag} CLI users`])).stdout).id as string;
    expect((await bindery(['group', 'add-member', groupId, userId])).code).toBe(0);
    expect((await bindery(['connector', 'bind', connectorId, groupId])).code).toBe(0);

    const sync = await bindery(['user', 'sync', userId, '--connector', connectorId]);
    expect(sync.stdout).toContain(`user-sync/${connectorId}/${userId}`);

    await expect
      .poll(async () => (await h.slack('GET', `/Users?filter=${encodeURIComponent('userName eq "cli.user"')}`)).body.totalResults, { timeout: 20_000 })
      .toBe(1);
    await expect
      .poll(async () => JSON.parse((await bindery(['--json', 'events', '--user', userId, '--type', 'user_create_provision'])).stdout).items.length, { timeout: 20_000 })
      .toBe(1);

    const table = await bindery(['events', '--user', userId]);
    expect(table.stdout).toMatch(/^ID\s+AT\s+TYPE/m);
    expect(table.stdout).toContain('user_create_provision');
    const list = await bindery(['connector', 'list']);
    expect(list.stdout).toContain(connectorId);
  });

  it('prints one clear line, not a stack trace, on errors', async () => {
    const bad = await bindery(['user', 'create', '--username', 'x', '--email', 'not-an-email']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^bindery: Invalid request: body: email: /);

    const missing = await bindery(['user', 'show', 'usr_nope']);
    expect(missing.stderr.trim()).toBe('bindery: Not found: No directory user usr_nope');
  });

  it('says where the API is when it cannot be reached', async () => {
    const env = { ...process.env, BINDERY_API_URL: 'http://127.0.0.1:9', BINDERY_API_KEY: 'k' };
    const res = await run(process.execPath, [BINDERY_BIN, 'connector', 'list'], { env }).catch((e: { stderr: string }) => e);
    expect(res.stderr).toMatch(/^bindery: cannot reach the Bindery API at http:\/\/127\.0\.0\.1:9\/?.*npm start/);
  });

  it('prints usage mistakes as one line too', async () => {
    for (const args of [['group', 'create'], ['bogus'], ['connector', 'idm-update', 'con_x', '--group-management', 'maybe'], ['user', 'update', 'usr_x']]) {
      const res = await bindery(args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(res.stderr, args.join(' ')).toMatch(/^bindery: /);
    }
  });
});

/** Runs the CLI with --json and parses its output; fails on a non-zero exit. */
async function json<T = any>(args: string[], input?: string): Promise<T> {
  const res = await bindery(['--json', ...args], input);
  expect(res.stderr, args.join(' ')).toBe('');
  expect(res.code, args.join(' ')).toBe(0);
  return JSON.parse(res.stdout) as T;
}

const tag = `cli${Date.now().toString(36)}`;

describe('bindery user …', () => {
  it('creates, lists, shows, updates, suspends, expires, resets and deletes a user', async () => {
    const created = await json(['user', 'create', '--username', `${tag}.u`, '--email', `${tag}.u@example.com`, '--first-name', 'Ursula', '--department', 'Ops', '--address', '{"type":"work","locality":"Oslo"}']);
    const id = created.id as string;
    expect(created).toMatchObject({ firstName: 'Ursula', department: 'Ops', addresses: [{ type: 'work', locality: 'Oslo' }] });

    const shown = await bindery(['user', 'show', id]);
    expect(shown.stdout).toMatch(new RegExp(`^username\\s+${tag}\\.u$`, 'm'));
    expect(shown.stdout).toMatch(/^groupIds\s+\(none\)$/m);
    const list = await bindery(['user', 'list', '--limit', '500']);
    expect(list.stdout).toMatch(/^ID\s+USERNAME\s+EMAIL/);

    const updated = await json(['user', 'update', id, '--job-title', 'Lead', '--guest', 'on']);
    expect(updated).toMatchObject({ jobTitle: 'Lead', guest: true, firstName: 'Ursula', department: 'Ops' });
    expect((await bindery(['user', 'update', id, '--email', 'nope'])).stderr).toMatch(/^bindery: Invalid request: body: email: /);

    expect((await bindery(['user', 'suspend', id])).stdout.trim()).toBe(`suspended ${id}`);
    expect(await json(['user', 'unsuspend', id])).toMatchObject({ suspended: false });
    expect(await json(['user', 'expire-password', id])).toMatchObject({ passwordExpired: true });
    expect(await json(['user', 'reset-password', id])).toMatchObject({ passwordExpired: false });

    expect((await bindery(['user', 'delete', id])).stdout.trim()).toBe(`deleted user ${id}`);
    expect((await bindery(['user', 'show', id])).stderr.trim()).toBe(`bindery: Not found: No directory user ${id}`);
  });
});

describe('bindery group …', () => {
  it('creates, lists, shows, renames groups and manages members', async () => {
    const u = (await json(['user', 'create', '--username', `${tag}.m`, '--email', `${tag}.m@example.com`])).id as string;
    const g = await json(['group', 'create', '--name', `${tag} Sales`]);
    const dup = await bindery(['group', 'create', '--name', `${tag} SALES`]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^bindery: Conflict: A group named .* already exists/);

    expect((await bindery(['group', 'add-member', g.id, u])).stdout.trim()).toBe(`added ${u} to group ${g.id}`);
    expect((await bindery(['group', 'add-member', g.id, u])).code).toBe(0); // idempotent
    expect(await json(['group', 'show', g.id])).toMatchObject({ memberIds: [u], connectorIds: [] });
    const list = await bindery(['group', 'list', '--limit', '500']);
    expect(list.stdout).toMatch(new RegExp(`^${g.id}\\s+${tag} Sales\\s+1$`, 'm'));

    expect((await bindery(['group', 'rename', g.id, '--name', `${tag} Revenue`])).stdout.trim()).toBe(`renamed group ${g.id} to "${tag} Revenue"`);
    expect(await json(['group', 'remove-member', g.id, u])).toEqual({ groupId: g.id, userId: u, member: false });
    expect((await json(['group', 'show', g.id])).memberIds).toEqual([]);
    expect((await bindery(['group', 'delete', g.id])).stdout.trim()).toBe(`deleted group ${g.id}`);
    expect((await bindery(['group', 'show', g.id])).stderr.trim()).toBe(`bindery: Not found: No group ${g.id}`);
  });
});

describe('bindery connector …', () => {
  it('updates connectors and binds, lists and unbinds groups (G5 refusal, then --override with a warning)', async () => {
    const a = await json(['connector', 'create', '--label', `${tag} A`, '--team-name', 'acme', '--team-domain', 'acme.slack.com']);
    // B manages groups in an active Slack: a group unbound from it cannot be bound again (G4).
    const b = await json(['connector', 'create', '--label', `${tag} B`, '--team-name', 'acme', '--team-domain', 'acme.slack.com', '--scim-url', h.emulator.baseUrl, '--token-stdin'], h.slackToken);
    expect(await json(['connector', 'update', a.id, '--description', 'primary', '--show-in-user-portal', 'off'])).toMatchObject({ description: 'primary', showInUserPortal: false, label: `${tag} A` });
    expect((await bindery(['connector', 'show', a.id])).stdout).toMatch(/^description\s+primary$/m);

    const g = await json(['group', 'create', '--name', `${tag} Shared`]);
    expect((await bindery(['connector', 'bind', a.id, g.id])).stdout.trim()).toBe(`bound group ${g.id} to connector ${a.id}`);
    const refused = await bindery(['connector', 'bind', b.id, g.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^bindery: Conflict: .*would deactivate its members.*--override/);
    const overridden = await bindery(['connector', 'bind', b.id, g.id, '--override', 'temporary: migration']);
    expect(overridden.code).toBe(0);
    expect(overridden.stderr).toMatch(/^bindery: warning: .*bound to 2 connectors/);
    const groups = await bindery(['connector', 'groups', b.id]);
    expect(groups.stdout).toMatch(/^GROUPID\s+GROUPNAME\s+STATE/);
    expect(groups.stdout).toMatch(new RegExp(`^${g.id}\\s+${tag} Shared\\s+bound\\s.*temporary: migration$`, 'm'));

    // Unbinding is a one-way door with group management on: not on a terminal, it needs --yes.
    const asked = await bindery(['connector', 'unbind', b.id, g.id]);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/^bindery: Unbinding group ".*Shared" deactivates its \d+ member\(s\).*cannot be bound to this connector again\. Not on a terminal: pass --yes/);
    expect((await json(['connector', 'groups', b.id])).items).toEqual([expect.objectContaining({ groupId: g.id, state: 'bound' })]);
    expect((await bindery(['connector', 'unbind', b.id, g.id, '--yes'])).stdout.trim()).toBe(`unbound group ${g.id} from connector ${b.id}`);
    expect((await json(['connector', 'groups', b.id])).items).toEqual([expect.objectContaining({ groupId: g.id, state: 'unbound' })]);
    const again = await bindery(['connector', 'bind', b.id, g.id, '--override', 'again']);
    // What Bindery did and what to do, in the CLI's words (not an HTTP route).
    expect(again.stderr).toMatch(/^bindery: Conflict: .*Bindery left the group in the target as it was.*`bindery connector idm-update .* --group-management off`/);
    expect(again.stderr).not.toMatch(/PATCH \/v1/);
  });

  it('activates, re-authenticates, updates and deactivates identity management, and lists the connector’s users', async () => {
    const c = await json(['connector', 'create', '--label', `${tag} IdM`, '--team-name', 'acme', '--team-domain', 'acme.slack.com']);
    const wrong = await bindery(['connector', 'activate', c.id, '--scim-url', h.emulator.baseUrl, '--token-stdin'], 'xoxp-wrong');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^bindery: SCIM token rejected: .*invalid_authentication/);
    const missing = await bindery(['connector', 'activate', c.id, '--scim-url', h.emulator.baseUrl]);
    expect(missing.stderr).toMatch(/^bindery: the Slack SCIM token is missing/);

    const activated = await bindery(['connector', 'activate', c.id, '--scim-url', h.emulator.baseUrl, '--token-stdin'], h.slackToken);
    expect(activated.stdout.trim()).toBe(`connector ${c.id}: identity management active, group management on, plan business_plus`);
    expect((await bindery(['connector', 'reauth', c.id, '--token-stdin'], h.slackToken)).stdout).toContain('token replaced');
    expect(await json(['connector', 'idm-update', c.id, '--group-management', 'off', '--plan', 'enterprise_grid'])).toMatchObject({ groupManagement: false, plan: 'enterprise_grid' });
    const warned = await bindery(['connector', 'idm-update', c.id, '--users-choose-display-name', 'on']);
    expect(warned.stderr).toMatch(/^bindery: warning: .*display name/);

    const u = (await json(['user', 'create', '--username', `${tag}.sync`, '--email', `${tag}.sync@example.com`])).id as string;
    const g = (await json(['group', 'create', '--name', `${tag} IdM users`])).id as string;
    await json(['group', 'add-member', g, u]);
    await json(['connector', 'bind', c.id, g]);
    await bindery(['user', 'sync', u, '--connector', c.id]);
    await expect.poll(async () => (await json(['connector', 'users', c.id])).items.map((l: { userId: string }) => l.userId), { timeout: 20_000 }).toContain(u);
    const users = await bindery(['connector', 'users', c.id]);
    expect(users.stdout).toMatch(/^USERID\s+USERNAME\s+REMOTEID\s+STATE/);
    expect((await bindery(['connector', 'users', c.id, '--state', 'stuck'])).stdout.trim()).toBe('(none)');

    expect((await bindery(['connector', 'deactivate', c.id])).stdout.trim()).toBe(`connector ${c.id}: identity management inactive, group management off, plan enterprise_grid`);
    const types = (await json(['events', '--connector', c.id])).items.map((e: { type: string; outcome: string }) => `${e.type}:${e.outcome}`);
    expect(types).toEqual(expect.arrayContaining(['idm_integration_activate:failure', 'idm_integration_activate:success', 'idm_integration_reauth:success', 'idm_integration_update:success', 'idm_integration_delete:success']));
    const everything = JSON.stringify(await json(['events', '--connector', c.id])) + JSON.stringify(await json(['connector', 'show', c.id]));
    expect(everything).not.toContain(h.slackToken);
  });
});

describe('bindery connector resync / plan / apply / runs / held / approve', () => {
  it('shows and changes the schedule, plans a drift fix and applies it, and approves held deactivations', async () => {
    const c = (await json(['connector', 'create', '--label', `${tag} Resync`, '--team-name', 'acme', '--team-domain', `${tag}-resync.slack.com`, '--scim-url', h.emulator.baseUrl, '--token-stdin'], h.slackToken)).id as string;
    const g = (await json(['group', 'create', '--name', `${tag} Resync team`])).id as string;
    await json(['connector', 'bind', c, g]);
    const users: string[] = [];
    for (let i = 0; i < 4; i++) {
      const u = (await json(['user', 'create', '--username', `${tag}.rs${i}`, '--email', `${tag}.rs${i}@example.com`, '--job-title', 'Engineer'])).id as string;
      await json(['group', 'add-member', g, u]);
      users.push(u);
    }
    await expect.poll(async () => (await json(['connector', 'users', c, '--state', 'active'])).items.length, { timeout: 30_000 }).toBe(4);
    await expect.poll(async () => (await bindery(['connector', 'resync', c])).code, { timeout: 30_000 }).toBe(0);

    expect((await bindery(['connector', 'resync', c])).stdout).toMatch(new RegExp(`^resync/${c}: every 1h\nnext: `));
    const changed = await bindery(['connector', 'resync', c, '--cron', '0 3 * * *', '--timezone', 'Europe/Paris', '--pause']);
    expect(changed.stdout).toMatch(new RegExp(`^resync/${c}: cron "0 3 \\* \\* \\*" \\(Europe/Paris\\), paused`));
    await bindery(['connector', 'resync', c, '--every', '1h', '--unpause']);

    const slackId = (await h.slack('GET', `/Users?filter=${encodeURIComponent(`userName eq "${tag}.rs0"`)}`)).body.Resources[0].id as string;
    await h.slack('PATCH', `/Users/${slackId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Drift' }] });
    const plan = await bindery(['connector', 'plan', c]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`^OBJECT\\s+DOES\\s+METHOD\\s+PATH\\s+ATTRIBUTES\\s+OUTCOME`, 'm'));
    expect(plan.stdout).toMatch(new RegExp(`^user ${users[0]}\\s+updated\\s+PATCH\\s+/Users/${slackId}\\s+title\\s+planned`, 'm'));
    const planId = /apply it: bindery connector apply (pln_\w+)/.exec(plan.stdout)![1]!;
    const applied = await bindery(['connector', 'apply', planId]);
    expect(applied.stdout).toMatch(/^status\s+completed$/m);
    expect((await h.slack('GET', `/Users/${slackId}`)).body.title).toBe('Engineer');
    expect((await bindery(['connector', 'runs', c])).stdout).toMatch(new RegExp(`${planId} \\(plan\\) completed`));
    expect((await bindery(['connector', 'run', planId, '--watch'])).stdout).toMatch(new RegExp(`^${planId} \\(plan\\) completed`));

    // The breaker: three of four suspended behind the outbox's back; a resync holds what passes the threshold.
    await json(['connector', 'idm-update', c, '--breaker-percent', '10', '--breaker-min-users', '2']);
    await h.db.execute(sql`update directory_users set suspended = true where id in (${users[1]}, ${users[2]}, ${users[3]})`);
    await bindery(['connector', 'resync', c, '--now']);
    await expect.poll(async () => (await json(['connector', 'held', c])).items.length, { timeout: 30_000 }).toBe(1);
    const held = await bindery(['connector', 'held', c]);
    expect(held.stdout).toMatch(/^hold hld_\w+: open — More than 1 of 4 linked users/);
    const holdId = /hold (hld_\w+)/.exec(held.stdout)![1]!;
    expect((await bindery(['connector', 'approve', holdId, '--by', 'ada', '--reason', 'planned'])).stdout.trim()).toBe(`hold ${holdId} approved: the held deactivations are carried out`);
    await expect.poll(async () => (await json(['connector', 'users', c, '--state', 'deactivated'])).items.length, { timeout: 30_000 }).toBe(3);
  });
});

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `input`; stdout and stderr both come back in `output`. */
async function binderyOnTerminal(args: string[], input: string): Promise<{ code: number; output: string }> {
  const env = cliEnv(h);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const child = run('script', ['-q', '-e', '-c', [process.execPath, BINDERY_BIN, ...args].map(quote).join(' '), '/dev/null'], { env });
  child.child.stdin?.end(input);
  try {
    return { code: 0, output: (await child).stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

describe('bindery connector delete / sso / groups / progress', () => {
  const newConnector = async (label: string) =>
    (await json(['connector', 'create', '--label', `${tag} ${label}`, '--team-name', 'acme', '--team-domain', `${tag}-${label.toLowerCase()}.slack.com`, '--scim-url', h.emulator.baseUrl, '--token-stdin'], h.slackToken)).id as string;

  it('delete: refuses without a terminal and without --confirm, and a wrong number; --confirm 1 deletes and says Slack keeps its users', async () => {
    const c = await newConnector('Delete');
    const noTty = await bindery(['connector', 'delete', c]);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr.trim().split('\n')).toHaveLength(1);
    expect(noTty.stderr).toMatch(/^bindery: connector delete asks for the number of applications you are deleting: not on a terminal, so pass --confirm 1/);
    const wrong = await bindery(['connector', 'delete', c, '--confirm', '2']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^bindery: Confirmation required: confirm=2 does not match the number of applications being deleted \(1\); nothing was deleted/);
    expect((await json(['connector', 'show', c])).id).toBe(c);

    const deleted = await bindery(['connector', 'delete', c, '--confirm', '1']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`^deleted connector ${c}; \\d+ running workflow\\(s\\) ended\\nSlack users stay active`));
    expect((await bindery(['connector', 'show', c])).stderr.trim()).toBe(`bindery: Not found: No connector ${c}`);
    expect((await json(['events', '--connector', c, '--type', 'idm_integration_delete'])).items).toEqual([expect.objectContaining({ objectId: c, outcome: 'success' })]);

    const other = await newConnector('Delete json');
    expect(await json(['connector', 'delete', other, '--confirm', '1'])).toMatchObject({ deleted: true, connectorId: other, workflowsEnded: 0, note: expect.stringMatching(/^Slack users stay active/) });
  });

  it('delete asks for the number of applications on a terminal (util-linux script gives it one)', async () => {
    const c = await newConnector('Delete tty');
    const refused = await binderyOnTerminal(['connector', 'delete', c], '3\n');
    expect(refused.output).toContain('Type the number of applications you are deleting (1):');
    expect(refused.output).toMatch(/bindery: Confirmation required: confirm=3 does not match/);
    expect(refused.code).toBe(1);
    expect((await json(['connector', 'show', c])).id).toBe(c);
    const done = await binderyOnTerminal(['connector', 'delete', c], '1\n');
    expect(done.output).toMatch(/Deleting connector ".*" \(con_\w+\): .*Slack users stay active\./);
    expect(done.output).toContain(`deleted connector ${c}`);
    expect(done.code).toBe(0);
    expect((await bindery(['connector', 'show', c])).code).toBe(1);
  });

  it('unbind asks on a terminal, since with group management on it cannot be undone', async () => {
    const c = await newConnector('Unbind tty');
    const g = (await json(['group', 'create', '--name', `${tag} Unbind tty`])).id as string;
    await json(['connector', 'bind', c, g]);
    const kept = await binderyOnTerminal(['connector', 'unbind', c, g], 'n\n');
    expect(kept.output).toMatch(/cannot be bound to this connector again/);
    expect(kept.output).toContain('Unbind? [y/N]');
    expect(kept.output).toMatch(/bindery: not unbound/);
    expect(kept.code).toBe(1);
    expect((await json(['connector', 'groups', c])).items).toEqual([expect.objectContaining({ groupId: g, state: 'bound' })]);
    const done = await binderyOnTerminal(['connector', 'unbind', c, g], 'y\n');
    expect(done.output).toContain(`unbound group ${g} from connector ${c}`);
    expect(done.code).toBe(0);
  });

  it('prints text from the directory safely: escape sequences are shown, never sent to the terminal', async () => {
    // Refused at the API now, but a row written before (or straight to the database) must not act on the terminal.
    const u = (await json(['user', 'create', '--username', `${tag}.esc`, '--email', `${tag}.esc@example.com`])).id as string;
    await h.db.execute(sql`update directory_users set first_name = ${'ctl\u0007\u001b[2J\u202eevil'} where id = ${u}`);
    const shown = await bindery(['user', 'show', u]);
    expect(shown.stdout).toMatch(/^firstName\s+ctl\\u\{7\}\\u\{1b\}\[2J\\u\{202e\}evil$/m);
    expect(shown.stdout).not.toMatch(/[\u0007\u001b\u202e]/);
  });

  it('sso on|off', async () => {
    const c = await newConnector('SSO');
    expect((await bindery(['connector', 'sso', c, 'on'])).stdout.trim()).toBe(`connector ${c}: SSO active`);
    expect(await json(['connector', 'sso', c, 'off'])).toMatchObject({ id: c, ssoActive: false, idmStatus: 'active' });
    const bad = await bindery(['connector', 'sso', c, 'maybe']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^bindery: .*maybe/);
  });

  it("groups shows each group's state in Slack; progress follows the cascade (--watch: one line per refresh until nothing is queued)", async () => {
    const c = await newConnector('Progress');
    const g = (await json(['group', 'create', '--name', `${tag} Progress`])).id as string;
    for (const i of [1, 2]) {
      const u = (await json(['user', 'create', '--username', `${tag}.p${i}`, '--email', `${tag}.p${i}@example.com`])).id as string;
      await json(['group', 'add-member', g, u]);
    }
    await json(['connector', 'bind', c, g]);

    const watched = await bindery(['connector', 'progress', c, g, '--watch']);
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\[[#-]{20}\] \d\/2 settled · active \d · deactivated 0 · failed 0 · stuck 0 · creating \d · not linked \d · intents pending \d+ · group \w+$/);
    expect(lines.at(-1)).toMatch(/creating 0 · not linked \d · intents pending 0 · group synced$/);

    await expect.poll(async () => ((p) => `${p.usersActive} active, ${p.pendingIntents} queued, group ${p.groupState}`)(await json(['connector', 'progress', c, g])), { timeout: 20_000 }).toBe('2 active, 0 queued, group synced');
    const shown = await bindery(['connector', 'progress', c, g]);
    expect(shown.stdout).toMatch(/^\[#{20}\] 2\/2 settled · active 2 · /);
    expect(shown.stdout).toMatch(/^usersActive\s+2$/m);
    expect(shown.stdout).toMatch(/^pendingIntents\s+0$/m);

    const groups = await bindery(['connector', 'groups', c]);
    expect(groups.stdout).toMatch(/^GROUPID\s+GROUPNAME\s+STATE\s+GROUPSTATE\s+REMOTEGROUPID\s+MEMBERS\s+LEFTOUT\s+LASTERROR\s+BOUNDAT/);
    expect(groups.stdout).toMatch(new RegExp(`^${g}\\s+${tag} Progress\\s+bound\\s+synced\\s`, 'm'));
    expect((await json(['connector', 'groups', c])).items).toEqual([expect.objectContaining({ groupId: g, state: 'bound', groupLink: expect.objectContaining({ state: expect.stringMatching(/^(pending|synced)$/) }) })]);

    const never = await bindery(['connector', 'progress', c, 'grp_nope']);
    expect(never.stderr.trim()).toBe('bindery: Not found: No group grp_nope');
  });
});
