import { CliError } from './http';
import { program } from './program';
import { registerCommands } from './commands';

// The `bindery` CLI (bin/bindery.mjs runs this file): every command talks to the admin API.
registerCommands();

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line, never a stack trace.
  console.error(`bindery: ${err instanceof CliError || err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
