import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint rule that keeps workflow code inside Temporal's sandbox rules.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });
const lint = async (code: string, file = 'workflows/probe.ts') => (await eslint.lintText(code, { filePath: file }))[0]!.messages.map((m) => m.message);

describe('workflow import rules', () => {
  it('refuse Node built-ins, I/O libraries and activity values in workflows/', async () => {
    expect(await lint("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;")).toEqual([expect.stringMatching(/node:fs.*Temporal sandbox/)]);
    expect(await lint("import fs from 'fs';\nexport const x = fs;")).toHaveLength(1);
    expect(await lint("import { Client } from '@temporalio/client';\nexport const x = Client;")).toHaveLength(1);
    expect(await lint("import { createActivities } from '../activities';\nexport const x = createActivities;")).toEqual([expect.stringMatching(/import type/)]);
    expect(await lint("import { ScimClient } from '../scim/client';\nexport const x = ScimClient;")).toHaveLength(1);
  });

  it('allow the workflow SDK, pure core code and activity types', async () => {
    expect(await lint("import { sleep } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nimport { LIMITS } from '../core/slack';\nexport const x = [sleep, LIMITS] as unknown as Activities;")).toEqual([]);
  });

  it('leave activities free to use Node', async () => {
    expect(await lint("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", 'activities/probe.ts')).toEqual([]);
  });
});
