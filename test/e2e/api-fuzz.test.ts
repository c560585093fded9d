import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toolsDir } from '../../tools/tools';
import { type Harness, startHarness } from '../support/harness';

// A property-based API fuzzer (schemathesis, from PyPI, installed by `npm run setup`) against the running
// API and its own OpenAPI document: no 5xx, and every answer as the document describes it.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // Something to find: a connector with identity management, a group bound to it, a member.
  const c = (await h.ok('POST', '/v1/connectors', { label: 'Fuzz', teamName: 'fuzz', teamDomain: 'fuzz.slack.com', scimBaseUrl: h.emulator.baseUrl, scimToken: h.slackToken })).id;
  const g = (await h.ok('POST', '/v1/groups', { name: 'Fuzzed' })).id;
  const u = (await h.ok('POST', '/v1/users', { username: 'fuzzed', email: 'fuzzed@example.com' })).id;
  await h.ok('PUT', `/v1/connectors/${c}/groups/${g}`);
  await h.ok('PUT', `/v1/groups/${g}/members/${u}`);
});
afterAll(() => h?.stop());

/** Examples generated per operation: bounded, so the suite stays minutes long. */
const EXAMPLES = Number(process.env.BINDERY_FUZZ_EXAMPLES ?? 25);

it(`finds no 5xx and no undocumented answer (${EXAMPLES} examples per operation, fixed seed)`, async () => {
  const st = join(toolsDir(), 'venv', 'bin', 'schemathesis');
  expect(existsSync(st), `${st}: run \`npm run setup\``).toBe(true);
  const reports = mkdtempSync(join(tmpdir(), 'bindery-fuzz-'));
  const args = [
    '--config-file', fileURLToPath(new URL('./schemathesis.toml', import.meta.url)),
    'run', `${h.apiUrl}/openapi.json`,
    '--header', `Authorization: Bearer ${h.apiKey}`,
    '--max-examples', String(EXAMPLES),
    '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
    '--seed', '1',
    '--generation-database', 'none',
    '--no-color',
    '--report', 'junit', '--report-dir', reports,
  ];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    const child = spawn(st, args, { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (c) => resolve({ code: c ?? 1, output: out }));
  });
  expect(code, output.slice(-6000)).toBe(0);
}, 600_000);
