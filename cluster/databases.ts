import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DatabaseAddress } from './config';

const run = promisify(execFile);

/** The schema tool setup builds (`temporal-sql-tool`) and the server's PostgreSQL schema folder it copied. */
export type SchemaTools = { sqlTool: string; schemaDir: string };

/** The two databases a server needs, and the versioned schema folder each takes. */
const SCHEMAS = { main: 'temporal', visibility: 'visibility' } as const;

async function sqlTool(tools: SchemaTools, db: DatabaseAddress, args: string[]): Promise<void> {
  // Connection settings through the environment the tool reads, so the password is not on a command line.
  const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: db.host, SQL_PORT: String(db.port), SQL_USER: db.user, SQL_PASSWORD: db.password, SQL_DATABASE: db.database };
  try {
    await run(tools.sqlTool, args, { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`temporal-sql-tool ${args[0]} on database ${db.database} failed (is PostgreSQL up, and does role ${db.user} exist? \`npm run setup:cluster\` creates it): ${tail || e.message}`);
  }
}

/**
 * Brings both databases to the server's schema: creates them when asked (the role needs CREATEDB), then
 * sets up and updates the schema; on a database already current this changes nothing.
 */
export async function applySchema(tools: SchemaTools, databases: { main: DatabaseAddress; visibility: DatabaseAddress }, opts: { create: boolean }): Promise<void> {
  for (const key of ['main', 'visibility'] as const) {
    const db = databases[key];
    if (opts.create) await sqlTool(tools, db, ['create-database']);
    await sqlTool(tools, db, ['setup-schema', '-v', '0.0']);
    await sqlTool(tools, db, ['update-schema', '-d', join(tools.schemaDir, SCHEMAS[key], 'versioned')]);
  }
}

/** Drops both databases (once no server uses them); each is tried, the first failure reported. */
export async function dropDatabases(tools: SchemaTools, databases: { main: DatabaseAddress; visibility: DatabaseAddress }): Promise<void> {
  const results = await Promise.allSettled([databases.main, databases.visibility].map((db) => sqlTool(tools, db, ['drop-database', '--force'])));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
