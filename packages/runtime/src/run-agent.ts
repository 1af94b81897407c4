import { createLogger } from '@mesh/common';
import type { Agent, RunningAgent, StartOptions } from './define-agent.js';
import { defaultMeshConfig } from './config.js';

/** `runAgent` options: what `start()` takes plus cleanup for the services main.ts built. */
export interface RunAgentOptions<App> extends StartOptions<App> {
  /** Runs after the agent has deregistered and drained (close pools, caches, buses). */
  onShutdown?: () => Promise<void> | void;
  /** Exit the process after a signal-driven stop (default true; tests turn it off). */
  exitOnStop?: boolean;
}

/**
 * Runs an agent as a process: starts it, and on SIGTERM/SIGINT stops taking work, deregisters, drains
 * in-flight calls, runs `onShutdown` and exits 0. A second signal exits at once with 1. A start failure is
 * logged and exits 1.
 */
export async function runAgent<App>(agent: Agent<App>, options: RunAgentOptions<App>): Promise<RunningAgent> {
  const logger =
    options.logger ??
    createLogger({ name: agent.name, level: options.mesh?.logLevel ?? defaultMeshConfig.logLevel });
  const exitOnStop = options.exitOnStop ?? true;
  let running: RunningAgent;
  try {
    running = await agent.start({ ...options, logger });
  } catch (error: unknown) {
    logger.fatal({ err: error }, 'agent failed to start');
    await options.onShutdown?.();
    if (exitOnStop) process.exit(1);
    throw error;
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'signal received: shutting down');
    void (async () => {
      let code = 0;
      try {
        await running.stop();
      } catch (error: unknown) {
        code = 1;
        logger.error({ err: error }, 'agent stop failed');
      }
      try {
        await options.onShutdown?.();
      } catch (error: unknown) {
        code = 1;
        logger.error({ err: error }, 'onShutdown failed');
      }
      logger.flush?.();
      if (exitOnStop) process.exit(code);
    })();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return running;
}
