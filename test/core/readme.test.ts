import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app';
import { program } from '../../cli/program';
import { registerCommands } from '../../cli/commands';
import { SETTINGS } from '../../core/config';
import type { Db } from '../../db/client';

// Keeps the README true: every setting the code reads, every API route and every CLI command is documented.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The text of one `## ` section of the README. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README', () => {
  it('documents every environment variable with its default', () => {
    for (const s of Object.values(SETTINGS)) {
      expect(readme).toContain(`| \`${s.env}\` | ${s.default === undefined ? '—' : `\`${s.default}\``} |`);
    }
  });

  it('lists every route of the OpenAPI document in "Admin HTTP API"', async () => {
    // Nothing touches the database or Temporal: the routes are only registered.
    const api = buildApi({ db: {} as Db, secretKey: Buffer.alloc(32), apiKey: 'k', temporal: {} as Client, taskQueue: 'unused' });
    await api.ready();
    const doc = api.swagger() as { paths: Record<string, Record<string, unknown>> };
    await api.close();
    const text = section('Admin HTTP API');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) expect(text.includes(`\`${route}\``) || text.includes(`\`${route}?`), route).toBe(true);
  });

  it('describes every CLI command and lists it in "CLI"', () => {
    registerCommands();
    const text = section('CLI');
    const leaves = (cmd: Command, prefix: string[]): Array<{ name: string; cmd: Command }> =>
      cmd.commands.length === 0 ? [{ name: prefix.join(' '), cmd }] : cmd.commands.flatMap((c) => leaves(c, [...prefix, c.name()]));
    const all = leaves(program, []);
    expect(all.length).toBeGreaterThan(25);
    for (const { name, cmd } of all) {
      expect(cmd.description(), name).toBeTruthy();
      expect(text, name).toMatch(new RegExp(`\`${name}[ \`]`));
    }
  });
});
