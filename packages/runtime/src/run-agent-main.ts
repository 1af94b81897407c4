import { createLogger, type Logger } from '@mesh/common';
import type { Registry } from 'prom-client';
import { defaultMeshConfig, toMeshConfig, type MeshConfig, type MeshEnv } from './config.js';
import type { Agent, RunningAgent } from './define-agent.js';
import { runAgent } from './run-agent.js';

/** What an agent's `build` step hands the runtime: the services its handlers use and their lifecycle hooks. */
export interface AgentServices<App> {
  /** What handlers see as `ctx.app`. */
  app: App;
  /** False (or a throw) pauses heartbeats, so the registry withdraws the agent (its database is gone…). */
  healthCheck?: () => Promise<boolean> | boolean;
  /** The agent's own prom-client registries, served at /metrics after the runtime's. */
  metrics?: readonly Registry[];
  /** Runs once the agent serves and has registered: work that needs the mesh (recovery sweeps…). */
  onStarted?: () => void;
  /**
   * Runs at the first SIGTERM/SIGINT, before the agent deregisters: stop taking work from outside the mesh
   * (the gateway's public HTTP server), so nothing new arrives while in-flight calls drain.
   */
  onStopSignal?: () => void;
  /** Runs after the agent has deregistered and drained, and after a failed start: close pools, caches, buses. */
  close?: () => Promise<void> | void;
}

/**
 * An agent's parsed configuration: either it keeps its mesh settings under `mesh` (`toMeshConfig(parsed)`),
 * or it is the parsed mesh environment itself (`meshEnvSchema.extend({...})`).
 */
export type AgentConfig = { readonly mesh: Partial<MeshConfig> } | MeshEnv;

/** What `runAgentMain` takes: the agent, how to read its configuration, how to build its services. */
export interface AgentMainOptions<Config extends AgentConfig, App> {
  agent: Agent<App>;
  /** Reads the environment; throws (CONFIG_INVALID, listing every problem) when it is wrong. */
  loadConfig: () => Config;
  /** Opens what the handlers need; closes what it opened itself before throwing. */
  build: (config: Config, logger: Logger) => Promise<AgentServices<App>> | AgentServices<App>;
  /** Ends the process after a failed configuration or build (default `process.exit`; tests observe it). */
  exit?: (code: number) => never;
  /** Exit after a signal-driven stop or a failed start (default true; tests turn it off). */
  exitOnStop?: boolean;
}

/** The mesh settings of either configuration shape. */
export function meshSettings(config: AgentConfig): Partial<MeshConfig> {
  return 'mesh' in config ? config.mesh : toMeshConfig(config);
}

/**
 * The whole start-up of an agent process, so every `main.ts` is one call: parse the configuration (a bad one
 * logs every problem and exits 1), create the JSON logger at the configured level, build the services (a
 * failure logs why and exits 1), then serve, register and heartbeat with span export as the OTEL_* variables
 * say; on SIGTERM/SIGINT stop outside work, deregister, drain, close the services and exit 0 (`runAgent`).
 */
export async function runAgentMain<Config extends AgentConfig, App>(
  options: AgentMainOptions<Config, App>,
): Promise<RunningAgent> {
  const { agent } = options;
  const exit = options.exit ?? ((code: number): never => process.exit(code));
  let config: Config;
  try {
    config = options.loadConfig();
  } catch (error: unknown) {
    createLogger({ name: agent.name }).fatal({ err: error }, `${agent.name}: invalid configuration`);
    return exit(1);
  }
  const mesh = meshSettings(config);
  const logger = createLogger({ name: agent.name, level: mesh.logLevel ?? defaultMeshConfig.logLevel });
  let services: AgentServices<App>;
  try {
    services = await options.build(config, logger);
  } catch (error: unknown) {
    logger.fatal({ err: error }, `${agent.name} could not prepare its services`);
    return exit(1);
  }
  const { onStopSignal } = services;
  if (onStopSignal !== undefined) {
    // Registered before runAgent's own handlers, so outside work stops before the agent deregisters.
    process.once('SIGTERM', onStopSignal);
    process.once('SIGINT', onStopSignal);
  }
  const running = await runAgent(agent, {
    app: services.app,
    mesh,
    logger,
    ...(services.healthCheck ? { healthCheck: services.healthCheck } : {}),
    ...(services.metrics ? { metrics: services.metrics } : {}),
    ...(services.close ? { onShutdown: services.close } : {}),
    ...(options.exitOnStop === undefined ? {} : { exitOnStop: options.exitOnStop }),
  });
  services.onStarted?.();
  return running;
}
