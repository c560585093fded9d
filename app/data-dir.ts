import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The local data directory holds emails, names, keys and the outbox: readable and writable by its owner
 * only. Sets the process umask (inherited by the Temporal dev server it starts) so that what this run
 * creates is 0600/0700, and tightens what is there. PGlite sets its files' modes itself (0666, whatever
 * the umask), so `npm start` calls this again once the database is open and when it stops; in between,
 * the 0700 folder keeps other users out of anything PGlite adds.
 */
export function prepareDataDir(dir: string): void {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrictToOwner(dir);
}

function restrictToOwner(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) restrictToOwner(path);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}
