/**
 * CLI entry: `npm run emulator -- --port <n> --token <t>`; flags override EMULATOR_PORT and
 * EMULATOR_TOKEN, and EMULATOR_RATE_LIMITS / EMULATOR_RATE_SCALE apply (core/config.ts defines them).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { startEmulator } from './server';

function config() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      token: { type: 'string', short: 't' },
    },
    strict: true,
  });
  const settings = loadConfig({ ...process.env, ...(values.port ? { EMULATOR_PORT: values.port } : {}) });
  const token = values.token ?? settings.emulatorToken;
  if (!token) throw new Error('a token is required: pass --token <t> or set EMULATOR_TOKEN');
  return { port: settings.emulatorPort, host: values.host, token, rateLimits: { enabled: settings.emulatorRateLimits === 'on', scale: settings.emulatorRateScale } };
}

async function main(): Promise<void> {
  const emulator = await startEmulator(config());
  console.log(`Slack SCIM emulator listening at ${emulator.baseUrl}`);
  const stop = (signal: string) => {
    console.log(`${signal}: stopping the emulator`);
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
