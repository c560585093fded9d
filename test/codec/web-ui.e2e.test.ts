import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { freePort } from '../../tools/ports';
import { syncWorkflowId } from '../../core/sync-kinds';
import { type RunningCodecServer, startCodecServer } from '../../codec/server';
import { findTool } from '../../tools/tools';
import { startDevServer } from '../../worker/dev-server';
import { testCodec } from '../support/codec';
import { type Harness, installQuietRuntime, startHarness } from '../support/harness';

// What `npm start` sets up, seen through a browser: the Temporal Web UI of a dev server started with
// --ui-codec-endpoint shows a sync workflow's input and result decoded by the codec server; a page on
// another origin cannot use the codec server.
let temporal: TestWorkflowEnvironment | undefined;
let codecServer: RunningCodecServer;
let h: Harness;
let browser: Browser;
let uiUrl: string;
let ids: { workflowId: string; runId: string; userId: string };
const profileDir = mkdtempSync(join(tmpdir(), 'bindery-ui-'));

beforeAll(async () => {
  installQuietRuntime();
  const [port, uiPort] = [await freePort(), await freePort()];
  uiUrl = `http://127.0.0.1:${uiPort}`;
  codecServer = await startCodecServer({ codec: testCodec(), tokens: [], allowOrigins: [uiUrl], namespace: 'default', host: '127.0.0.1', port: 0 });
  temporal = await startDevServer({ port, ui: true, uiPort, uiCodecEndpoint: codecServer.url, cliPath: process.env.TEMPORAL_CLI_PATH, logLevel: 'never', dbFilename: join(profileDir, 'temporal.db') });
  h = await startHarness({ temporalAddress: `127.0.0.1:${port}` });
  const connectorId = (await h.ok('POST', '/v1/connectors', { label: 'UI', teamName: 'ui', teamDomain: 'ui.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  const groupId = (await h.ok('POST', '/v1/groups', { name: 'ui' })).id;
  await h.ok('PUT', `/v1/connectors/${connectorId}/groups/${groupId}`, {});
  const userId = (await h.ok('POST', '/v1/users', { username: 'ui.person', email: 'ui.person@example.com' })).id;
  await h.ok('PUT', `/v1/groups/${groupId}/members/${userId}`);
  await vi.waitFor(async () => expect((await h.call('GET', `/v1/events?userId=${userId}&type=user_create_provision&outcome=success`)).body.items).toHaveLength(1), { timeout: 60_000, interval: 200 });
  const workflowId = syncWorkflowId('user', connectorId, userId);
  ids = { workflowId, runId: (await h.client.workflow.getHandle(workflowId).describe()).runId, userId };
  const executablePath = findTool('chromium', process.env.CHROMIUM_PATH || undefined);
  if (!executablePath) throw new Error('no Chromium: run `npm run setup` (it installs Debian’s chromium package) or set CHROMIUM_PATH');
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
  await temporal?.teardown();
  await codecServer?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

it('the Web UI shows the workflow’s input decoded through the codec server', async () => {
  const page = await browser.newPage();
  const decodes: number[] = [];
  page.on('response', (r) => r.url().startsWith(`${codecServer.url}/decode`) && decodes.push(r.status()));
  await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(ids.workflowId)}/${ids.runId}/history`);
  await vi.waitFor(async () => expect(await page.evaluate(() => document.body.innerText)).toContain(`"userId": "${ids.userId}"`), { timeout: 60_000, interval: 250 });
  const text = await page.evaluate(() => document.body.innerText);
  expect(text).toContain(`"connectorId": "${ids.workflowId.split('/')[1]}"`);
  expect(text).not.toContain('binary/encrypted');
  expect(decodes.length).toBeGreaterThan(0);
  expect(decodes.every((s) => s === 200)).toBe(true);
  await page.close();
});

it('a page on another origin cannot read payloads through the codec server', async () => {
  const page = await browser.newPage();
  await page.goto(`${h.apiUrl}/healthz`); // any other origin
  const outcome = await page.evaluate(async (url) => {
    try {
      const res = await fetch(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default' }, body: JSON.stringify({ payloads: [] }) });
      return `answered ${res.status}`;
    } catch (err) {
      return `blocked: ${(err as Error).message}`;
    }
  }, codecServer.url);
  expect(outcome).toMatch(/^blocked: Failed to fetch/);
  await page.close();
});
