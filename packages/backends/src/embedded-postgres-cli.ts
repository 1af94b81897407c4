#!/usr/bin/env node
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { initialiseEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { redactUrlPasswords } from './redact.js';

/**
 * `embedded-postgres-cli.js start --data-dir <dir> --port <p> [--ready-file f]`: initialises once, starts,
 * prints one JSON line `{"event":"ready","url":…,"socket_url":…,"socket_dir":…,"server_pid":…}` on stdout (`url`
 * over loopback TCP, `socket_url` through the server's private Unix socket; passwords redacted: stdout
 * usually goes to a log) and stays in the foreground until SIGTERM/SIGINT/SIGHUP, then stops the server (fast
 * shutdown); if the server dies, so does this process. `--ready-file` receives the same JSON with the full URL,
 * private to the user (0600), for whoever started it. `init` only initialises. Progress goes to stderr.
 */
const USAGE =
  'usage: embedded-postgres-cli.js <start|init> --data-dir <dir> [--port <port>] [--user u] [--password p] [--ready-file f]';

function progress(line: string): void {
  process.stderr.write(`${redactUrlPasswords(line)}\n`);
}

/** Writes `value` as JSON to `file`, readable by this user only, in one rename (never half-written). */
function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
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
      'ready-file': { type: 'string' },
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
  const serverOptions = { dataDir, port, user: values.user, password: values.password, onLog };
  const startedAt = Date.now();
  if (command === 'init') {
    const initialised = await initialiseEmbeddedPostgres(serverOptions);
    const ms = Date.now() - startedAt;
    process.stdout.write(`${JSON.stringify({ event: 'initialised', dataDir, initialised, ms })}\n`);
    return 0;
  }
  const server = await startEmbeddedPostgres(serverOptions);
  const ms = Date.now() - startedAt;
  const ready = {
    event: 'ready',
    url: server.url,
    socket_url: server.socketUrl,
    socket_dir: server.socketDir,
    port,
    pid: process.pid,
    server_pid: server.serverPid,
    initialised: server.initialised,
    ms,
  };
  const readyFile = values['ready-file'];
  if (readyFile !== undefined) writePrivateJson(readyFile, ready);
  const redacted = { url: redactUrlPasswords(server.url), socket_url: redactUrlPasswords(server.socketUrl) };
  process.stdout.write(`${JSON.stringify({ ...ready, ...redacted })}\n`);
  const reason = await new Promise<'signal' | 'crashed'>((resolve) => {
    for (const name of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(name, () => resolve('signal'));
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
