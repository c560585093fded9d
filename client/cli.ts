import { CliError } from './http';
import { program } from './cli/common';
import { connectorCommands } from './cli/connectors';
import { eventCommands } from './cli/events';
import { groupCommands } from './cli/groups';
import { userCommands } from './cli/users';

// The `bindery` CLI (bin/bindery.mjs runs this file): every command talks to the admin API.
connectorCommands();
userCommands();
groupCommands();
eventCommands();

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line, never a stack trace.
  console.error(`bindery: ${err instanceof CliError || err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
