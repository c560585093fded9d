import { connectorCommands } from './connectors';
import { eventCommands } from './events';
import { groupCommands } from './groups';
import { holdCommands } from './holds';
import { importCommands } from './imports';
import { runCommands } from './runs';
import { ssoCommands } from './connector-sso';
import { ssoBindCommands } from './sso-binds';
import { userCommands } from './users';

/** Registers every command on the program (cli/program.ts): the CLI and the README's test use the same list. */
export function registerCommands(): void {
  const connector = connectorCommands();
  holdCommands(connector);
  runCommands(connector);
  ssoCommands(connector);
  ssoBindCommands(connector);
  importCommands(connector);
  userCommands();
  groupCommands();
  eventCommands();
}
