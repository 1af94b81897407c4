import { MeshError } from '@mesh/common';
import type https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '@mesh/common';
import type { DependenciesResolved } from './registration.js';
import type { RuntimeMetrics } from './metrics.js';
import { WatchFeed } from './watch-feed.js';
import { simpleRequest } from './http-request.js';
import { sleep } from './resilience.js';

export interface RegistryClientOptions {
  registryUrl: string;
  agentId: string;
  /** The registration body (built fresh for each full heartbeat). */
  body(): Record<string, unknown>;
  healthIntervalMs: number;
  retryDelayMs: number;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** `afterOutage`: the first resolution after the registry was unreachable or forgot this agent (410). */
  onTopology(resolved: DependenciesResolved, afterOutage: boolean): void;
  /** The user's health verdict; false pauses heartbeats so the registry withdraws the agent. */
  healthy(): Promise<boolean>;
  /** mTLS pool for heartbeats (strict mode), asked for at each request so a rotation takes effect. */
  httpsAgent?: () => https.Agent;
  /** mTLS options for the change feed's own connection (strict mode). */
  watchTls?: () => ConnectionOptions;
}

const REQUEST_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 5000;
const FIRST_WATCH_RETRY_MS = 1000;
const MAX_WATCH_RETRY_MS = 5 * 60_000;

/**
 * Keeps this agent registered: POST /heartbeat at start (and whenever the registry asks: 202/410 or a change
 * feed event), HEAD /heartbeat/{id} every interval, jittered backoff while the registry is down (the agent
 * keeps serving with the last topology), DELETE on stop.
 */
export class RegistryClient {
  private stopped = false;
  private needFullHeartbeat = true;
  private failures = 0;
  private wake: AbortController = new AbortController();
  private loopDone: Promise<void> | undefined;
  private watch: WatchFeed | undefined;
  private watchSupported = true;
  /** After a 404 from /watch: when to ask again (doubling, jittered), since a 404 may mean "not known yet". */
  private watchRetryMs = FIRST_WATCH_RETRY_MS;
  private watchRetry: NodeJS.Timeout | undefined;
  private everRegistered = false;
  /** Set while the registry is unreachable or has forgotten this agent; cleared by the next full heartbeat. */
  private recovering = false;
  private connectedNow = false;
  private failuresLogged = false;

  constructor(private readonly options: RegistryClientOptions) {}

  /** True once a full heartbeat succeeded (stays true while the registry is down). */
  get registered(): boolean {
    return this.everRegistered;
  }

  get connected(): boolean {
    return this.connectedNow;
  }

  /** Starts the loop; resolves after the first registration attempt, whether it worked or not. */
  async start(): Promise<void> {
    let first!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (first = resolve));
    this.loopDone = this.loop(first);
    await firstAttempt;
  }

  /** Asks for a full heartbeat now (topology changed). */
  refresh(): void {
    this.needFullHeartbeat = true;
    this.wake.abort();
  }

  /** Stops heartbeats and deregisters (DELETE /agents/{id}); never throws. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake.abort();
    clearTimeout(this.watchRetry);
    this.watch?.close();
    await this.loopDone;
    if (!this.everRegistered) return;
    try {
      const response = await simpleRequest(
        `${this.options.registryUrl}/agents/${encodeURIComponent(this.options.agentId)}`,
        { method: 'DELETE', timeoutMs: 2000, ...this.tlsAgent() },
      );
      this.options.logger.info({ status: response.status }, 'deregistered from registry');
    } catch (error: unknown) {
      this.options.logger.warn({ err: error }, 'could not deregister; the registry will expire this agent');
    }
  }

  private async loop(onFirstAttempt: () => void): Promise<void> {
    let firstDone = false;
    const settleFirst = (): void => {
      if (!firstDone) {
        firstDone = true;
        onFirstAttempt();
      }
    };
    while (!this.stopped) {
      let delay = this.options.healthIntervalMs;
      try {
        if (!(await this.options.healthy())) {
          this.options.logger.warn(
            'health check failing: heartbeats paused so the registry withdraws this agent',
          );
          this.needFullHeartbeat = true;
        } else if (this.needFullHeartbeat) {
          await this.fullHeartbeat();
        } else {
          const status = await this.fastHeartbeat();
          if (status === 202 || status === 410) {
            if (status === 410 && this.everRegistered) this.recovering = true;
            this.needFullHeartbeat = true;
            delay = 0;
          }
        }
        this.failures = 0;
        this.setConnected(true);
      } catch (error: unknown) {
        this.failures += 1;
        if (this.everRegistered) this.recovering = true;
        this.needFullHeartbeat = true;
        this.setConnected(false);
        const ceiling = Math.min(
          MAX_BACKOFF_MS,
          this.options.healthIntervalMs,
          this.options.retryDelayMs * 2 ** this.failures,
        );
        delay = ceiling / 2 + Math.random() * (ceiling / 2);
        const log = this.failuresLogged ? 'debug' : 'warn';
        this.failuresLogged = true;
        this.options.logger[log](
          { err: error, failures: this.failures },
          'registry unreachable; serving with the last known topology',
        );
      }
      settleFirst();
      if (this.stopped) break;
      if (delay > 0 && !this.wake.signal.aborted) await sleep(delay, this.wake.signal).catch(() => undefined);
      if (this.wake.signal.aborted) this.wake = new AbortController();
    }
    settleFirst();
  }

  private setConnected(connected: boolean): void {
    if (connected !== this.connectedNow) this.options.metrics.registryUp.set(connected ? 1 : 0);
    if (connected && this.failuresLogged) this.options.logger.info('registry reachable again');
    if (connected) this.failuresLogged = false;
    this.connectedNow = connected;
  }

  private async fullHeartbeat(): Promise<void> {
    const response = await simpleRequest(`${this.options.registryUrl}/heartbeat`, {
      method: 'POST',
      body: JSON.stringify(this.options.body()),
      timeoutMs: REQUEST_TIMEOUT_MS,
      ...this.tlsAgent(),
    });
    const text = response.text;
    if (response.status < 200 || response.status >= 300) {
      throw new MeshError(
        'REMOTE_ERROR',
        `registry refused heartbeat: HTTP ${response.status} ${text.slice(0, 300)}`,
      );
    }
    const body = JSON.parse(text) as { dependencies_resolved?: DependenciesResolved; status?: string };
    this.needFullHeartbeat = false;
    if (!this.everRegistered)
      this.options.logger.info({ registry: this.options.registryUrl }, 'registered with registry');
    this.everRegistered = true;
    const afterOutage = this.recovering;
    this.recovering = false;
    this.options.onTopology(body.dependencies_resolved ?? {}, afterOutage);
    this.ensureWatch();
  }

  private async fastHeartbeat(): Promise<number> {
    const response = await simpleRequest(
      `${this.options.registryUrl}/heartbeat/${encodeURIComponent(this.options.agentId)}`,
      { method: 'HEAD', timeoutMs: REQUEST_TIMEOUT_MS, ...this.tlsAgent() },
    );
    if (response.status >= 500)
      throw new MeshError('REMOTE_ERROR', `registry answered HTTP ${response.status}`);
    // Only a registry that knows this agent can watch for it; after 202/410 the re-POST reopens the feed.
    if (response.status === 200 && !this.watch?.active) this.ensureWatch();
    return response.status;
  }

  private tlsAgent(): { httpsAgent?: https.Agent } {
    return this.options.httpsAgent ? { httpsAgent: this.options.httpsAgent() } : {};
  }

  private ensureWatch(): void {
    if (this.stopped || !this.watchSupported) return;
    this.watch ??= new WatchFeed(
      this.options.registryUrl,
      this.options.agentId,
      () => this.refresh(),
      this.options.logger,
      this.options.watchTls,
    );
    if (this.watch.active) return;
    this.watch.open(
      (why) => {
        if (why === 'unsupported') {
          // No feed at all (the official registry), or this agent not known there yet (a restarted registry,
          // another replica behind a balancer): heartbeats carry on, and the feed is asked for again later.
          this.watchSupported = false;
          this.options.logger.debug(
            { retryInMs: this.watchRetryMs },
            'registry change feed unavailable; relying on heartbeats for now',
          );
          this.scheduleWatchRetry();
        } else if (!this.stopped) {
          // The feed dropped: events may have been missed, so refresh once the registry answers again.
          this.needFullHeartbeat = true;
        }
      },
      () => {
        if (this.watchRetryMs > FIRST_WATCH_RETRY_MS) {
          this.options.logger.info('registry change feed available again');
        }
        this.watchRetryMs = FIRST_WATCH_RETRY_MS;
      },
    );
  }

  private scheduleWatchRetry(): void {
    if (this.stopped) return;
    const delay = this.watchRetryMs / 2 + Math.random() * (this.watchRetryMs / 2);
    this.watchRetryMs = Math.min(this.watchRetryMs * 2, MAX_WATCH_RETRY_MS);
    clearTimeout(this.watchRetry);
    this.watchRetry = setTimeout(() => {
      this.watchSupported = true;
      this.ensureWatch();
    }, delay);
    this.watchRetry.unref();
  }
}
