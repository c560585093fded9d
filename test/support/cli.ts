import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const BINDERY_BIN = join(import.meta.dirname, '../../bin/bindery.mjs');

export type CliResult = { code: number; stdout: string; stderr: string };

/** The environment the CLI gets: the API and its key, and a data directory of its own. */
export function cliEnv(api: { apiUrl: string; apiKey: string }): NodeJS.ProcessEnv {
  return { ...process.env, BINDERY_API_URL: api.apiUrl, BINDERY_API_KEY: api.apiKey, BINDERY_DATA_DIR: mkdtempSync(join(tmpdir(), 'bindery-cli-')) };
}

/** Runs the real `bindery` CLI as a person would, against an API (a harness's); `input` goes to its stdin. */
export async function runCli(api: { apiUrl: string; apiKey: string }, args: string[], input?: string): Promise<CliResult> {
  const child = run(process.execPath, [BINDERY_BIN, ...args], { env: cliEnv(api) });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
