import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startProcess, type StartedProcess } from './child-process.js';
import { freePort } from '@mesh/common';
import { skipOrFailInCi } from './skip-or-fail.js';
import { waitFor } from './wait-for.js';
import { connect } from 'node:net';

/** Where Debian's rabbitmq-server package puts the broker's start script (the one that can run in the foreground). */
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node of a test's own, on a free loopback port with its own data directory, so the test can kill
 * and restart the broker without touching the shared test server. Durable queues and persistent messages
 * survive a restart, as on a real broker.
 */
export interface PrivateRabbitmq {
  readonly url: string;
  /** SIGKILL of the broker's VM (no shutdown), as a crash would leave it. */
  kill(): Promise<void>;
  /** Starts the node again on the same port and data, and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the node and deletes its data. */
  destroy(): Promise<void>;
}

/** Whether this machine can start a private broker; outside CI a missing one skips with a reason. */
export function privateRabbitmqAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(SERVER_SCRIPT)) return true;
  skipOrFailInCi(
    {
      tests: 'broker restart tests',
      reason: `${SERVER_SCRIPT} is missing`,
      fix: 'run scripts/test-servers.sh install',
    },
    env,
  );
  return false;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startPrivateRabbitmq(): Promise<PrivateRabbitmq> {
  const home = join(tmpdir(), `mesh-rabbitmq-${randomBytes(4).toString('hex')}`);
  await mkdir(home, { recursive: true });
  const pluginsFile = join(home, 'enabled_plugins');
  await writeFile(pluginsFile, '[].\n');
  const [port, distPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    RABBITMQ_NODENAME: `mesh-test-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(home, 'mnesia'),
    RABBITMQ_LOG_BASE: join(home, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: pluginsFile,
    RABBITMQ_CONFIG_FILE: join(home, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(home, 'advanced.config'),
    // Runs the VM in the foreground as this process (no wrapper shell), so its pid is the broker's.
    RUNNING_UNDER_SYSTEMD: '1',
    HOME: home,
  };
  let node: StartedProcess | undefined;
  const broker: PrivateRabbitmq = {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    async start() {
      node = startProcess(SERVER_SCRIPT, [], { env, maxOutputChars: 20_000 });
      const started = node;
      await waitFor(async () => ((await accepts(port)) ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 200,
        description: `private RabbitMQ on port ${port}`,
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${started.output()}`);
      });
    },
    async kill() {
      await node?.kill();
      node = undefined;
    },
    async destroy() {
      await node?.stop(10_000);
      node = undefined;
      await rm(home, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
