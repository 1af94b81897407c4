import type { Handler } from './context.js';
import { sendJsonText } from './respond.js';

/** One Prometheus HTTP SD target group. */
interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * `GET /v1/sd/prometheus`: Prometheus HTTP service discovery. Every healthy agent replica with an HTTP
 * endpoint, as `host:port` with its agent name, id and namespace, and the scheme it serves (https in a strict
 * mesh), so one `http_sd_configs` entry scrapes every replica wherever it listens (local mode's random ports
 * included). Like `/agents`, it needs a mesh certificate in strict mode.
 */
export const prometheusTargets: Handler = (_req, res, ctx) => {
  const groups: TargetGroup[] = [];
  for (const state of ctx.registry.agentStates()) {
    const record = state.record;
    if (record.status !== 'healthy') continue;
    let url: URL;
    try {
      url = new URL(record.endpoint);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    groups.push({
      targets: [url.host],
      labels: {
        __scheme__: url.protocol.slice(0, -1),
        __metrics_path__: '/metrics',
        agent: record.name,
        agent_id: record.agent_id,
        namespace: record.namespace,
      },
    });
  }
  groups.sort((a, b) => (a.labels['agent_id']! < b.labels['agent_id']! ? -1 : 1));
  sendJsonText(res, 200, JSON.stringify(groups));
};
