#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isMeshError } from '@mesh/common';
import { COMMANDS, findCommand } from './cli/command-table.js';
import { createContext } from './cli/context.js';
import { CLI_OPTIONS } from './cli/options.js';
import { formatCommandHelp, formatUsage } from './cli/usage.js';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Parses the command line, finds the command in the table and runs it; resolves with the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: CLI_OPTIONS,
    allowPositionals: true,
  });
  const [name, ...args] = positionals;
  if (name === undefined || name === 'help') {
    const about = args[0] === undefined ? undefined : findCommand(args[0]);
    print(about ? formatCommandHelp(about) : formatUsage(COMMANDS));
    return name === undefined && !values.help ? 2 : 0;
  }
  const command = findCommand(name);
  if (command === undefined) {
    process.stderr.write(`unknown command ${name}\n\n${formatUsage(COMMANDS)}\n`);
    return 2;
  }
  if (values.help) {
    print(formatCommandHelp(command));
    return 0;
  }
  return command.run(createContext(args, values, print));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = isMeshError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`meshctl: ${message}\n`);
    process.exitCode = 1;
  },
);
