import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { Harness } from './harness';

const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));

/**
 * A worker in its own process, as in production, on the harness's database, Temporal server and task
 * queue; resolves once it polls. It is kept in `children` while it runs, so a test can SIGKILL whatever is
 * left at the end.
 */
export async function spawnWorkerProcess(h: Harness, children: Set<ChildProcess>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl!,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      BINDERY_SECRET_KEY: h.secretKeyText,
      BINDERY_GOVERNOR: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker polling')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling: ${out}`)));
  });
  return child;
}
