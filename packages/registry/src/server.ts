import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@mesh/common';
import type { Logger } from '@mesh/common';
import { plainTextWarning } from '@mesh/trust';
import type { MeshPolicy } from '@mesh/trust';
import { defaultRegistryConfig } from './config.js';
import type { RegistryConfig } from './config.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import { Registry } from './core/registry.js';
import { HealthMonitor } from './health-monitor.js';
import { PROBE_HOST, createProbeListener } from './http/probe-listener.js';
import { createRequestListener } from './http/router.js';
import { RegistryMetrics } from './metrics.js';
import { RegistryTrust } from './registry-trust.js';
import { MemoryStore } from './store/memory-store.js';
import type { RegistryStore } from './store/registry-store.js';
import { WatchFeed } from './watch-feed.js';
import type { TracerProvider } from '@opentelemetry/api';

export interface CreateRegistryServerOptions {
  /** Overrides of the defaults (loopback, port 0, memory store, 20 s timeout…). */
  readonly config?: Partial<RegistryConfig>;
  /** Defaults to a MemoryStore. */
  readonly store?: RegistryStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Start the periodic health monitor on listen (default true; tests drive `healthMonitor.runOnce()`). */
  readonly healthMonitor?: boolean;
  /** Include Node process metrics in /metrics (main.ts turns this on). */
  readonly defaultMetrics?: boolean;
  /** The policy in strict mode (tests); read from `config.tls.policyFile` otherwise. */
  readonly policy?: MeshPolicy;
  /** Records a SERVER span per request (not probes, scrapes or watch streams) with this provider. */
  readonly tracerProvider?: TracerProvider;
}

/** A registry that is built but not yet listening, so tests can run it in-process. */
export interface RegistryServer {
  readonly registry: Registry;
  readonly server: Server | TlsServer;
  /** mTLS and the policy; undefined when TLS is off. */
  readonly trust: RegistryTrust | undefined;
  readonly healthMonitor: HealthMonitor;
  readonly watchFeed: WatchFeed;
  readonly metrics: RegistryMetrics;
  readonly config: RegistryConfig;
  /**
   * Loads state from the store and starts listening; resolves with the base URL, and the probe listener's
   * port when `config.probePort` is set.
   */
  listen(port?: number, host?: string): Promise<{ url: string; port: number; probePort?: number }>;
  /** Stops accepting, closes watch streams and connections, stops the monitor and closes the store. */
  close(): Promise<void>;
}

/** Builds the registry with its HTTP server (raw node:http) around a store. */
export async function createRegistryServer(
  options: CreateRegistryServerOptions = {},
): Promise<RegistryServer> {
  const config: RegistryConfig = Object.freeze({ ...defaultRegistryConfig, ...options.config });
  const logger = options.logger ?? silentLogger();
  const store = options.store ?? new MemoryStore();
  const strict = config.tls.mode === 'strict';
  const registry = new Registry({
    store,
    clock: options.clock ?? systemClock,
    logger,
    endpointScheme: strict ? 'https' : 'http',
  });
  const metrics = new RegistryMetrics(registry, { defaultMetrics: options.defaultMetrics ?? false });
  const trust = strict ? new RegistryTrust(config.tls, logger, metrics.prom, options.policy) : undefined;
  const warning = plainTextWarning(config.tls, 'the registry');
  if (warning) logger.warn(warning);
  const watchFeed = new WatchFeed(registry, config.watchPingIntervalMs);
  const healthMonitor = new HealthMonitor(registry, {
    timeoutMs: config.timeoutThresholdMs,
    intervalMs: config.healthCheckIntervalMs,
    evictAfterMs: config.evictionThresholdMs,
    logger,
  });
  const serverOptions = { keepAliveTimeout: 65_000, requestTimeout: 30_000, headersTimeout: 10_000 };
  const context = {
    registry,
    config,
    metrics,
    logger,
    watchFeed,
    startedAt: Date.now(),
    trust,
    tracer: options.tracerProvider?.getTracer('@mesh/registry'),
  };
  const listener = createRequestListener(context);
  const probes = config.probePort === undefined ? undefined : createProbeListener(context);
  const server = trust
    ? createTlsServer({ ...serverOptions, ...trust.serverOptions() }, listener)
    : createServer(serverOptions, listener);
  if (trust) {
    const tlsServer = server as TlsServer;
    trust.start(() => tlsServer.setSecureContext(trust.serverOptions()));
  }
  let closed: Promise<void> | undefined;
  return {
    registry,
    server,
    trust,
    healthMonitor,
    watchFeed,
    metrics,
    config,
    async listen(port = config.port, host = config.host) {
      await registry.start();
      await listenOn(server, port, host);
      if (probes) await listenOn(probes, config.probePort ?? 0, PROBE_HOST);
      if (options.healthMonitor !== false) healthMonitor.start();
      const address = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return {
        url: `${trust ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
        port: address.port,
        ...(probes ? { probePort: (probes.address() as AddressInfo).port } : {}),
      };
    },
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        watchFeed.closeAll();
        server.closeIdleConnections();
        await healthMonitor.stop();
        trust?.stop();
        const forceTimer = setTimeout(() => server.closeAllConnections(), 5000);
        forceTimer.unref();
        if (server.listening) await stopped;
        clearTimeout(forceTimer);
        // The probe goes last: until the registry port has closed, a health check still sees it alive.
        if (probes?.listening) {
          const probesClosed = new Promise<void>((resolve) => probes.close(() => resolve()));
          probes.closeAllConnections();
          await probesClosed;
        }
        await store
          .flushTouches()
          .catch((error: unknown) => logger.warn({ err: error }, 'could not flush heartbeats'));
        await store.close();
      })();
      return closed;
    },
  };
}

function listenOn(server: Server | TlsServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
