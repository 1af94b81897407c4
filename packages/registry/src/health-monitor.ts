import type { Logger } from '@mesh/common';
import type { Registry } from './core/registry.js';

export interface HealthMonitorOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly evictAfterMs: number;
  readonly logger: Logger;
}

/**
 * Periodically marks agents unhealthy after `timeoutMs` without a heartbeat and evicts them after
 * `evictAfterMs`. The work itself is `runOnce`, so tests drive it with a fake clock instead of timers.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly options: HealthMonitorOptions,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One check; overlapping calls share the one in flight. Failures are logged, never thrown. */
  runOnce(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = (async () => {
      try {
        const { unhealthy, evicted } = await this.registry.checkHealth(
          this.options.timeoutMs,
          this.options.evictAfterMs,
        );
        for (const id of unhealthy)
          this.options.logger.info({ agent_id: id }, 'agent marked unhealthy (no heartbeat)');
        for (const id of evicted) this.options.logger.info({ agent_id: id }, 'agent evicted');
      } catch (error: unknown) {
        this.options.logger.warn({ err: error }, 'health check failed; will retry');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
