import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../db/client';
import { TEST_DATABASE_URL } from './database-url';

/**
 * A PostgreSQL database of the test file's own on the test server, migrated, and dropped on close:
 * files run in parallel, and each one's dispatcher must see only its own outbox.
 */
export async function openFreshDatabase(serverUrl: string): Promise<Database & { url: string }> {
  const name = `bindery_t_${randomBytes(5).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Both drivers, for `describe.each`: the embedded database and a fresh PostgreSQL one on the test server. */
export const BOTH_DRIVERS: Array<[string, () => Promise<Database>]> = [
  ['PGlite', () => openDatabase()],
  ['PostgreSQL', () => openFreshDatabase(TEST_DATABASE_URL)],
];
