import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../emulator/main.ts', import.meta.url));

/** Runs the CLI the way `npm run emulator` does (through tsx), with a clean emulator environment. */
function run(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMULATOR_')));
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(child: ReturnType<typeof run>, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${out}`)));
  });
}

describe('emulator CLI', () => {
  it('refuses to start without a token, with a one-line error', async () => {
    const child = run(['--port', '0']);
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toEqual(['emulator: a token is required: pass --token <t> or set EMULATOR_TOKEN']);
  });

  it('prints the base URL, serves with env settings, and stops on SIGTERM', async () => {
    const child = run(['--port', '0'], { EMULATOR_TOKEN: 'cli-token', EMULATOR_RATE_LIMITS: 'off' });
    try {
      const line = await waitForLine(child, /listening at http/);
      const baseUrl = /(http:\/\/\S+\/scim\/v2)/.exec(line)![1]!;
      const spc = await fetch(`${baseUrl}/ServiceProviderConfigs`);
      expect(spc.status).toBe(200);
      // Limits are off: more POSTs than Slack's burst all pass.
      const statuses = await Promise.all(Array.from({ length: 25 }, (_, i) => fetch(`${baseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: 'Bearer cli-token', 'content-type': 'application/json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `cli${i}`, emails: [{ value: `cli${i}@example.com` }] }),
      }).then((r) => r.status)));
      expect(statuses).toEqual(Array(25).fill(201));
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
