import { sendJson } from '@mesh/common';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../gateway-context.js';

/**
 * Capabilities without which the gateway cannot take orders (/ready, /health). Auth is not one: tokens are
 * checked with the keys held, so what counts is that the gateway holds them (`ctx.tokens.ready()`).
 */
export const REQUIRED_CAPABILITIES = ['order_processing'] as const;

/** /health, /ready, /livez and /metrics: never shed, never rate-limited, spans not exported. */
export function probeRoutes(ctx: GatewayContext) {
  const up = (dependencies: Record<string, number>): boolean =>
    ctx.started() && ctx.tokens.ready() && REQUIRED_CAPABILITIES.every((c) => (dependencies[c] ?? 0) > 0);

  /**
   * 200 `ok` with each dependency's providers and the state of the token keys and revocations held; 503
   * `degraded` while a required capability has no provider or no key set was fetched yet.
   */
  const health = (_req: Request, res: Response): void => {
    const dependencies = ctx.mesh.dependencies();
    const ok = up(dependencies);
    sendJson(res, ok ? 200 : 503, {
      status: ok ? 'ok' : 'degraded',
      service: 'api-gateway',
      dependencies: Object.fromEntries(
        Object.entries(dependencies).map(([capability, providers]) => [
          capability,
          { available: providers > 0, providers },
        ]),
      ),
      tokens: ctx.tokens.status(),
    });
  };

  const ready = (_req: Request, res: Response): void => {
    const ok = up(ctx.mesh.dependencies());
    sendJson(res, ok ? 200 : 503, { ready: ok });
  };

  const live = (_req: Request, res: Response): void => {
    sendJson(res, 200, { status: 'alive' });
  };

  /** Prometheus text; only when the gateway has metrics (the route table leaves the route out otherwise). */
  const registry = ctx.metrics?.registry;
  const metrics =
    registry &&
    (async (_req: Request, res: Response): Promise<void> => {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });

  return { health, ready, live, metrics };
}
