import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../bin/bindery.mjs');
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.stop());

/** Runs the real `bindery` CLI as a person would, against the harness's API. */
async function bindery(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, BINDERY_API_URL: h.apiUrl, BINDERY_API_KEY: h.apiKey, BINDERY_DATA_DIR: mkdtempSync(join(tmpdir(), 'bindery-cli-')) };
  const child = run(process.execPath, [bin, ...args], { env });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('bindery CLI → API → workflow → Slack', () => {
  it('creates a connector and a user, syncs the user into Slack, and lists the event', async () => {
    const connector = await bindery(['--json', 'connector', 'create', '--label', 'Slack', '--team-name', 'acme', '--team-domain', 'acme.slack.com', '--scim-url', h.emulator.baseUrl, '--token-stdin'], h.slackToken);
    expect(connector.stderr).toBe('');
    const connectorId = JSON.parse(connector.stdout).id as string;
    expect(JSON.parse(connector.stdout)).toMatchObject({ idmStatus: 'active', hasScimToken: true });
    expect(connector.stdout).not.toContain(h.slackToken);

    const user = await bindery(['--json', 'user', 'create', '--username', 'cli.user', '--email', 'cli.user@example.com', '--first-name', 'Cli', '--last-name', 'User', '--phone', 'mobile:+15550100']);
    const userId = JSON.parse(user.stdout).id as string;

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
    const res = await run(process.execPath, [bin, 'connector', 'list'], { env }).catch((e: { stderr: string }) => e);
    expect(res.stderr).toMatch(/^bindery: cannot reach the Bindery API at http:\/\/127\.0\.0\.1:9\/?.*npm start/);
  });
});
