import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolsDir } from '../../tools/tools';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/**
 * Temporal's time-skipping test server (the Java artifact `npm run setup` installs from Maven Central into
 * BINDERY_TOOLS_DIR, behind a wrapper that `exec`s the JVM): timers of hours and days pass in seconds.
 */
export function timeSkippingServerPath(): string {
  const dir = toolsDir();
  const installed = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('temporal-test-server-')).sort() : [];
  const found = installed.map((d) => join(dir, d, 'temporal-test-server')).filter((p) => existsSync(p)).at(-1);
  if (!found) throw new Error(`no Temporal test server in ${dir}: run \`npm run setup\` (it installs it with Maven)`);
  return found;
}

/** IndexedValueType KEYWORD in Temporal's API (temporal.api.enums.v1): every Bindery search attribute is one. */
const KEYWORD = 2;

/** A time-skipping server with Bindery's search attributes registered, as the dev-server starter does. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: timeSkippingServerPath() } } });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, KEYWORD])),
  });
  return env;
}
