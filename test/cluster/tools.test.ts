import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findClusterTools } from '../../cluster/server';

// Where the cluster module finds the real server, its schema tool and schema, and what it says when they are missing.
let dir: string;
const saved = { PATH: process.env.PATH, GOPATH: process.env.GOPATH, BINDERY_TOOLS_DIR: process.env.BINDERY_TOOLS_DIR };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bindery-tools-'));
  Object.assign(process.env, { PATH: join(dir, 'path'), GOPATH: join(dir, 'go'), BINDERY_TOOLS_DIR: join(dir, 'tools') });
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  rmSync(dir, { recursive: true, force: true });
});

function tool(path: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
}

it('say to run the setup step when nothing is installed', () => {
  expect(() => findClusterTools()).toThrow('no temporal-server found: run `npm run setup:cluster` (it builds the Temporal server with go install), or set TEMPORAL_SERVER_PATH');
});

it('name a TEMPORAL_SERVER_PATH that does not exist', () => {
  expect(() => findClusterTools(join(dir, 'nope'))).toThrow(`${join(dir, 'nope')} (given for temporal-server) does not exist`);
});

it('want the schema tool and the schema beside the server', () => {
  tool(join(dir, 'tools', 'bin', 'temporal-server'));
  expect(() => findClusterTools()).toThrow(/no temporal-sql-tool found: run `npm run setup:cluster`/);
  tool(join(dir, 'tools', 'bin', 'temporal-sql-tool'));
  expect(() => findClusterTools()).toThrow(`no Temporal schema in ${join(dir, 'tools', 'temporal-server-schema')}`);
});

it('find what setup installed, or a server given by path', () => {
  tool(join(dir, 'tools', 'bin', 'temporal-server'));
  tool(join(dir, 'tools', 'bin', 'temporal-sql-tool'));
  mkdirSync(join(dir, 'tools', 'temporal-server-schema', 'temporal', 'versioned'), { recursive: true });
  expect(findClusterTools()).toEqual({ server: join(dir, 'tools', 'bin', 'temporal-server'), sqlTool: join(dir, 'tools', 'bin', 'temporal-sql-tool'), schemaDir: join(dir, 'tools', 'temporal-server-schema') });
  tool(join(dir, 'elsewhere', 'temporal-server'));
  expect(findClusterTools(join(dir, 'elsewhere', 'temporal-server')).server).toBe(join(dir, 'elsewhere', 'temporal-server'));
});
