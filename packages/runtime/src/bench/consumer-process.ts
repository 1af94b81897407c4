import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LatencyResult, ThroughputResult } from './load.js';

/** What the bench asks the consumer agent process to run (one slice of load). */
export type ConsumerCommand =
  | { id: number; kind: 'latency'; rate: number; durationMs: number }
  | { id: number; kind: 'throughput'; concurrency: number; durationMs: number };

/** Connections the consumer agent has opened so far (TLS ones split by full or resumed handshake). */
export interface ConnectionCounts {
  opened: number;
  tlsFull: number;
  tlsResumed: number;
}

/** What the consumer agent process answers: readiness once, then one result per command. */
export type ConsumerMessage =
  | { ready: boolean; error?: string }
  | { id: number; result: LatencyResult | ThroughputResult; connections: ConnectionCounts }
  | { id: number; error: string };

const script = join(dirname(fileURLToPath(import.meta.url)), 'consumer-agent.js');
const START_TIMEOUT_MS = 20_000;

/** The consumer agent of system (c), running in a child process the bench drives over IPC. */
export class ConsumerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  /** As of the last slice the consumer ran. */
  connections: ConnectionCounts = { opened: 0, tlsFull: 0, tlsResumed: 0 };

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ConsumerMessage) => {
      if (!('id' in message)) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if ('error' in message) waiter?.reject(new Error(`consumer agent: ${message.error}`));
      else {
        this.connections = message.connections;
        waiter?.resolve(message.result);
      }
    });
  }

  /**
   * Starts the consumer against `registryUrl` (with `env`, e.g. its TLS settings); resolves once it has
   * resolved the provider.
   */
  static async start(
    registryUrl: string,
    env: Record<string, string> = {},
    /** Another build's consumer-agent.js (a baseline checkout's), instead of this one's. */
    agentScript = script,
    /** Node options before the script (`--cpu-prof`…). */
    nodeArgs: readonly string[] = [],
  ): Promise<ConsumerProcess> {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, agentScript], {
      env: { ...process.env, ...env, MCP_MESH_REGISTRY_URL: registryUrl, MCP_MESH_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const consumer = new ConsumerProcess(child);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the consumer agent did not start')),
          START_TIMEOUT_MS,
        );
        child.once('exit', (code) => reject(new Error(`the consumer agent exited with ${code}`)));
        child.on('message', (message: ConsumerMessage) => {
          if (!('ready' in message)) return;
          clearTimeout(timer);
          if (message.ready) resolve();
          else reject(new Error(message.error ?? 'the consumer agent is not ready'));
        });
      });
    } catch (error: unknown) {
      await consumer.stop();
      throw error;
    }
    return consumer;
  }

  get pid(): number {
    return this.child.pid!;
  }

  latency(rate: number, durationMs: number): Promise<LatencyResult> {
    return this.run({ id: this.nextId++, kind: 'latency', rate, durationMs }) as Promise<LatencyResult>;
  }

  throughput(concurrency: number, durationMs: number): Promise<ThroughputResult> {
    return this.run({
      id: this.nextId++,
      kind: 'throughput',
      concurrency,
      durationMs,
    }) as Promise<ThroughputResult>;
  }

  /** SIGTERM (the agent deregisters and drains), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private run(command: ConsumerCommand): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(command.id, { resolve, reject });
      this.child.send(command);
    });
  }
}
