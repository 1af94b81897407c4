import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const builtCommon = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface ChildRun {
  code: number | null;
  stdout: string;
}

/**
 * Runs a Node process that logs through `createLogger` to its stdout, a pipe this test does not read for
 * `unreadMs` (so the pipe fills up, as it does when whatever collects an agent's logs falls behind), then
 * reads everything until the process has exited and the pipe has ended.
 */
function runLoggingChild(body: string, unreadMs: number): Promise<ChildRun> {
  const script = `import { createLogger } from ${JSON.stringify(builtCommon)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stdout = child.stdout;
  stdout.pause();
  setTimeout(() => stdout.resume(), unreadMs);
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const ended = new Promise<void>((resolve) => stdout.once('close', resolve));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Promise.all([exited, ended]).then(([code]) => ({ code, stdout: text }));
}

describe('createLogger writing to stdout', { timeout: 20_000 }, () => {
  it('has written every line, whole and in order, when the process exits at once (a shutdown)', async () => {
    if (!existsSync(builtCommon)) throw new Error(`${builtCommon} is missing: build @mesh/common first`);
    // A line bigger than a pipe holds, then the lines a shutdown writes, then exit, as runAgent does.
    const run = await runLoggingChild(
      [
        "const logger = createLogger({ name: 'exit-order' });",
        "logger.info({ filler: 'x'.repeat(300_000) }, 'a long line');",
        "logger.info('signal received: shutting down');",
        "logger.info('stopped');",
        'logger.flush?.();',
        'process.exit(0);',
      ].join('\n'),
      400,
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    const messages = lines.map((line) => {
      try {
        return (JSON.parse(line) as { msg: string }).msg;
      } catch {
        return `not JSON: ${line.length} characters starting ${JSON.stringify(line.slice(0, 40))}`;
      }
    });
    expect(messages).toEqual(['a long line', 'signal received: shutting down', 'stopped']);
  });
});
