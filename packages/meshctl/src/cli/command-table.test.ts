import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS, findCommand } from './command-table.js';
import { formatCommandHelp, formatUsage } from './usage.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function meshctl(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    cwd: tmpdir(),
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('the command table', () => {
  it('names each command once, and each help line starts with its name', () => {
    const names = COMMANDS.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of COMMANDS) {
      expect(command.help.length, command.name).toBeGreaterThan(0);
      for (const entry of command.help) expect(entry.usage.split(' ')[0]).toBe(command.name);
    }
    expect(findCommand('status')?.name).toBe('status');
    expect(findCommand('nope')).toBeUndefined();
  });

  it('generates the help from the table: every synopsis, summaries aligned or on the next line', () => {
    const usage = formatUsage(COMMANDS);
    for (const command of COMMANDS)
      for (const entry of command.help) expect(usage).toContain(`  ${entry.usage}`);
    expect(usage).toMatch(/^ {2}list \[--json\] {2,}registered agent instances/m);
    expect(formatCommandHelp(findCommand('tls')!).split('\n')).toHaveLength(5);
  });

  it('prints the help (exit 0 when asked, 2 when no command is given) and refuses an unknown command', () => {
    const bare = meshctl();
    expect(bare.code).toBe(2);
    expect(bare.out).toContain('Usage: meshctl <command>');
    expect(meshctl('--help').code).toBe(0);
    const one = meshctl('help', 'logs');
    expect(one.code).toBe(0);
    expect(one.out.trim()).toMatch(/^logs /);
    const unknown = meshctl('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command frobnicate');
  });
});
