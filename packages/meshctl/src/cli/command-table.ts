import { callCommand } from '../commands/call-command.js';
import { canaryCommand } from '../commands/canary-command.js';
import { chaosCommand } from '../commands/chaos-command.js';
import { checkCommand } from '../commands/check-command.js';
import { devCommand } from '../commands/dev-command.js';
import { downCommand } from '../commands/down-command.js';
import { graphCommand } from '../commands/graph-command.js';
import { initDbCommand } from '../commands/init-db-command.js';
import { listCommand } from '../commands/list-command.js';
import { logsCommand } from '../commands/logs-command.js';
import { newCommand } from '../commands/new-command.js';
import { restartCommand } from '../commands/restart-command.js';
import { startCommand } from '../commands/start-command.js';
import { statusCommand } from '../commands/status-command.js';
import { stopCommand } from '../commands/stop-command.js';
import { tlsCommand } from '../commands/tls-command.js';
import { uiCommand } from '../commands/ui-command.js';
import { upCommand } from '../commands/up-command.js';
import type { Command } from './command.js';

/**
 * Every meshctl command, in the order the help lists them. A new command is a module exporting a `Command`
 * and one line here; `meshctl help` is generated from this table.
 */
export const COMMANDS: readonly Command[] = [
  upCommand,
  downCommand,
  startCommand,
  stopCommand,
  restartCommand,
  devCommand,
  listCommand,
  statusCommand,
  callCommand,
  logsCommand,
  graphCommand,
  checkCommand,
  newCommand,
  chaosCommand,
  canaryCommand,
  initDbCommand,
  tlsCommand,
  uiCommand,
];

/** The command named `name`, or undefined. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
