import { spawn } from 'node:child_process';
import { composeArgs, composeEnv, type ComposeRecord } from './compose-project.js';

export interface RunResult {
  readonly code: number;
  /** Captured output ('' when the output went to the terminal). */
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** Keep the output for the caller instead of passing it to the terminal (compose's progress, logs). */
  readonly capture?: boolean;
}

/** Runs a command to its end; a missing binary is exit code 127 with the reason in stderr, never a throw. */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const [bin, ...args] = argv as [string, ...string[]];
    const child = spawn(bin, args, {
      cwd: options.root,
      env: options.env,
      stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: 127, stdout, stderr: `${stderr}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** `docker compose -p <project> -f <files…> <args…>` with the record's published ports in the environment. */
export function runCompose(
  record: ComposeRecord,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return runCommand([record.command[0]!, ...composeArgs(record), ...args], {
    ...options,
    env: composeEnv(record, options.env),
  });
}
