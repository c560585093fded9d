import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { SETTINGS } from '../core/config';

/**
 * Where the tools `npm run setup` installs are found (the Temporal CLI, mailpit, the Temporal test server,
 * the Python virtualenv with scim2-server and schemathesis): one place for the dev server, the mail
 * catcher and the tests.
 */

/** The folder `npm run setup` installs tools into (BINDERY_TOOLS_DIR, `~` expanded). */
export function toolsDir(configured = process.env.BINDERY_TOOLS_DIR || SETTINGS.toolsDir.default!): string {
  return configured.startsWith('~/') ? join(homedir(), configured.slice(2)) : configured;
}

/** The Temporal server's PostgreSQL schema (`temporal/` and `visibility/`), copied there by `npm run setup:cluster`. */
export function temporalSchemaDir(): string {
  return join(toolsDir(), 'temporal-server-schema');
}

/** A tool setup installed, else one on PATH or in Go's bin folder; undefined when there is none. */
export function findTool(name: string, explicit?: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${explicit} (given for ${name}) does not exist`);
    return explicit;
  }
  const dirs = [join(toolsDir(), 'bin'), ...(process.env.PATH ?? '').split(delimiter), join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin')];
  return dirs.filter((d) => d.length > 0).map((dir) => join(dir, name)).find((p) => existsSync(p));
}
