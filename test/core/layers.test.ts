import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint rules that keep workflow code inside Temporal's sandbox, and every layer's imports pointing down.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });
const lint = async (code: string, file = 'workflows/probe.ts') => (await eslint.lintText(code, { filePath: file }))[0]!.messages.map((m) => m.message);

describe('workflow import rules', () => {
  it('refuse Node built-ins, I/O libraries and activity values in workflows/', async () => {
    expect(await lint("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;")).toEqual([expect.stringMatching(/node:fs.*Temporal sandbox/)]);
    expect(await lint("import fs from 'fs';\nexport const x = fs;")).toHaveLength(1);
    expect(await lint("import { Client } from '@temporalio/client';\nexport const x = Client;")).toHaveLength(1);
    expect(await lint("import { createActivities } from '../activities';\nexport const x = createActivities;")).toEqual([expect.stringMatching(/import type/)]);
    expect(await lint("import { ScimClient } from '../targets/scim-client';\nexport const x = ScimClient;")).toHaveLength(1);
    expect(await lint("import { getUser } from '../db/users';\nexport const x = getUser;")).toHaveLength(1);
  });

  it('allow the workflow SDK, pure core code and activity types', async () => {
    expect(await lint("import { sleep } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nimport { SCIM_URNS } from '../core/scim';\nexport const x = [sleep, SCIM_URNS] as unknown as Activities;")).toEqual([]);
  });

  it('leave activities free to use Node', async () => {
    expect(await lint("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", 'activities/probe.ts')).toEqual([]);
  });
});

describe('layers point down', () => {
  const refused = async (file: string, from: string) => (await lint(`import * as m from '${from}';\nexport const x = m;`, file)).filter((m) => /layers point down|core\/ is pure/.test(m));

  it.each([
    ['core/probe.ts', '../db/users'],
    ['core/probe.ts', '../targets/slack/facts'],
    ['core/probe.ts', 'undici'],
    ['core/probe.ts', 'node:fs'],
    ['targets/probe.ts', '../db/users'],
    ['db/probe.ts', '../services/users'],
    ['db/probe.ts', '../targets/scim-client'],
    ['engine/probe.ts', '../services/users'],
    ['engine/probe.ts', '../api/app'],
    ['services/probe.ts', '../engine/executor'],
    ['services/probe.ts', '../api/app'],
    ['api/probe.ts', '../engine/executor'],
    ['api/probe.ts', '../targets/scim-client'],
    ['cli/probe.ts', '../db/users'],
    ['cli/probe.ts', '../services/users'],
    ['cli/probe.ts', '../api/app'],
    ['emulator/probe.ts', '../db/users'],
    ['sso/probe.ts', '../db/sso'],
    ['sso/probe.ts', '../services/sso'],
    ['sso/probe.ts', '../secrets/secrets'],
    ['emulator/probe.ts', '../services/sso'],
    ['codec/probe.ts', '../db/users'],
    ['observability/probe.ts', '../api/app'],
    ['targets/probe.ts', '../observability/metrics'],
    ['engine/probe.ts', '../codec/codec'],
    ['cluster/probe.ts', '../api/app'],
    ['cluster/probe.ts', '../db/users'],
    ['worker/probe.ts', '../cluster/server'],
  ])('%s may not import %s', async (file, from) => {
    expect(await refused(file, from)).toHaveLength(1);
  });

  it.each([
    ['targets/probe.ts', '../core/scim'],
    ['db/probe.ts', '../core/links'],
    ['engine/probe.ts', '../targets/scim-client'],
    ['services/probe.ts', '../db/users'],
    ['api/probe.ts', '../services/users'],
    ['cli/probe.ts', '../core/text'],
    ['app/probe.ts', '../engine/executor'],
    ['sso/probe.ts', '../core/text'],
    ['services/probe.ts', '../sso/idp'],
    ['api/probe.ts', '../sso/idp'],
    ['emulator/probe.ts', '../sso/slack'],
    ['worker/probe.ts', '../codec/codec'],
    ['dispatch/probe.ts', '../observability/metrics'],
    ['observability/probe.ts', '../db/schema'],
    ['cluster/probe.ts', '../tools/tools'],
    ['cluster/probe.ts', '../workflows/search-attributes'],
  ])('%s may import %s', async (file, from) => {
    expect(await refused(file, from)).toEqual([]);
  });
});
