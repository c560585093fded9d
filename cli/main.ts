import { CliError } from './http';
import { program } from './program';
import { connectorCommands } from './commands/connectors';
import { eventCommands } from './commands/events';
import { groupCommands } from './commands/groups';
import { holdCommands } from './commands/holds';
import { importCommands } from './commands/imports';
import { runCommands } from './commands/runs';
import { ssoCommands } from './commands/connector-sso';
import { ssoBindCommands } from './commands/sso-binds';
import { userCommands } from './commands/users';

// The `bindery` CLI (bin/bindery.mjs runs this file): every command talks to the admin API.
const connector = connectorCommands();
holdCommands(connector);
runCommands(connector);
ssoCommands(connector);
ssoBindCommands(connector);
importCommands(connector);
userCommands();
groupCommands();
eventCommands();

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line, never a stack trace.
  console.error(`bindery: ${err instanceof CliError || err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
