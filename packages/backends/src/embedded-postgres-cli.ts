#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { initialiseEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

/**
 * `embedded-postgres-cli.js start --data-dir <dir> --port <p>`: initialises once, starts, prints one JSON line
 * `{"event":"ready","url":…}` on stdout and stays in the foreground until SIGTERM/SIGINT, then stops the
 * server cleanly. `init` only initialises (starts and stops once). Progress goes to stderr.
 */
const USAGE =
  'usage: embedded-postgres-cli.js <start|init> --data-dir <dir> [--port <port>] [--user u] [--password p]';

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '5433' },
      user: { type: 'string' },
      password: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  const dataDir = values['data-dir'];
  const port = Number(values.port);
  if ((command !== 'start' && command !== 'init') || dataDir === undefined || !Number.isInteger(port)) {
    progress(USAGE);
    return 2;
  }
  const onLog = values.quiet ? undefined : (line: string) => progress(`[postgres] ${line}`);
  const startedAt = Date.now();
  if (command === 'init') {
    const initialised = await initialiseEmbeddedPostgres({
      dataDir,
      port,
      user: values.user,
      password: values.password,
      onLog,
    });
    const ms = Date.now() - startedAt;
    process.stdout.write(`${JSON.stringify({ event: 'initialised', dataDir, initialised, ms })}\n`);
    return 0;
  }
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    user: values.user,
    password: values.password,
    onLog,
  });
  const ms = Date.now() - startedAt;
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', url: server.url, port, pid: process.pid, initialised: server.initialised, ms })}\n`,
  );
  const reason = await new Promise<'signal' | 'crashed'>((resolve) => {
    process.once('SIGTERM', () => resolve('signal'));
    process.once('SIGINT', () => resolve('signal'));
    void server.exited.then(() => resolve('crashed'));
  });
  if (reason === 'crashed') {
    progress('PostgreSQL exited unexpectedly');
    return 1;
  }
  progress('stopping PostgreSQL');
  await server.stop();
  progress('PostgreSQL stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const cause = error instanceof Error && error.cause !== undefined ? ` (${String(error.cause)})` : '';
    progress(`embedded PostgreSQL failed: ${error instanceof Error ? error.message : String(error)}${cause}`);
    process.exit(1);
  },
);
