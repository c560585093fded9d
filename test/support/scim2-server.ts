import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../tools/ports';
import { toolsDir } from '../../tools/tools';

/**
 * An independent SCIM 2.0 server that Bindery was never written against: `scim2-server` from PyPI (python-scim),
 * installed by `npm run setup` into the tools' virtualenv. In memory; stopped with the test file.
 */
export async function startScim2Server(token: string): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const bin = join(toolsDir(), 'venv', 'bin', 'scim2-server');
  if (!existsSync(bin)) throw new Error(`scim2-server is not installed at ${bin}: run \`npm run setup\``);
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['--hostname', '127.0.0.1', '--port', String(port), '--bearer-token', token], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const baseUrl = `http://127.0.0.1:${port}/v2`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scim2-server exited: ${stderr}`);
    try {
      const res = await fetch(`${baseUrl}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`scim2-server did not start on port ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
