import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { prepareDataDir } from '../../app/data-dir';
import { openDatabase } from '../../db/client';
import { readOrCreateSecretFile } from '../../secrets/secrets';

const mode = (path: string) => statSync(path).mode & 0o777;
const umask = process.umask();
afterAll(() => void process.umask(umask));

it('keeps local state to its owner: folders 0700, files 0600, earlier ones and new ones (PGlite included)', { timeout: 60_000 }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'bindery-data-')), 'data');
  // What an earlier run left with the default umask: world-readable files, as PGlite and the dev server made them.
  process.umask(0o000);
  mkdirSync(join(dir, 'db'), { recursive: true, mode: 0o777 });
  writeFileSync(join(dir, 'temporal.db'), 'x', { mode: 0o644 });
  writeFileSync(join(dir, 'db', 'PG_VERSION'), '17', { mode: 0o666 });

  prepareDataDir(dir);
  expect(mode(dir)).toBe(0o700);
  expect(mode(join(dir, 'db'))).toBe(0o700);
  expect(mode(join(dir, 'temporal.db'))).toBe(0o600);
  expect(mode(join(dir, 'db', 'PG_VERSION'))).toBe(0o600);

  // New state from here on is born private.
  readOrCreateSecretFile(join(dir, 'api-key'), () => 'k');
  expect(mode(join(dir, 'api-key'))).toBe(0o600);
  // PGlite sets its own modes: once it has made its files, they are tightened too.
  const db = await openDatabase({ dataDir: join(dir, 'fresh') });
  prepareDataDir(dir);
  expect(mode(join(dir, 'fresh'))).toBe(0o700);
  expect(mode(join(dir, 'fresh', 'PG_VERSION'))).toBe(0o600);
  await db.close();
});
