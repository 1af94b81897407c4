import type { Handler } from './context.js';
import { sendJsonText } from './respond.js';

const SERVICE = 'mcp-mesh-registry';
const VERSION = '1.0.0';

/** `GET|HEAD /health`: answers as long as the process serves requests (spec HealthResponse). */
export const getHealth: Handler = (req, res, ctx) => {
  const uptime = Math.floor((Date.now() - ctx.startedAt) / 1000);
  if (req.method === 'HEAD') {
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-health-status': 'healthy',
      'x-service-version': VERSION,
      'x-uptime-seconds': String(uptime),
      'content-length': '0',
    });
    res.end();
    return;
  }
  sendJsonText(
    res,
    200,
    JSON.stringify({
      status: 'healthy',
      version: VERSION,
      uptime_seconds: uptime,
      timestamp: new Date().toISOString(),
      service: SERVICE,
      store: ctx.registry.store.kind,
      agents: ctx.registry.size,
    }),
  );
};

/** `GET /`: service info and endpoints (spec RootResponse). */
export const getRoot: Handler = (_req, res) => {
  sendJsonText(
    res,
    200,
    JSON.stringify({
      service: SERVICE,
      version: VERSION,
      status: 'running',
      endpoints: [
        '/health',
        '/heartbeat',
        '/agents',
        '/events',
        '/watch/{agent_id}',
        '/v1/sd/prometheus',
        '/metrics',
        '/proxy/{host}:{port}/mcp',
      ],
    }),
  );
};

/** `GET /metrics` in Prometheus text format. */
export const getMetrics: Handler = async (_req, res, ctx) => {
  const text = await ctx.metrics.text();
  res.writeHead(200, { 'content-type': ctx.metrics.contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
