import { z } from 'zod';
import { envDurationMs, envInt, envLogLevel, parseEnvConfig, type Env } from '@mesh/common';

/** `127.0.0.1:8081` (host and port of one backend). */
const BACKEND = /^(?<host>[^\s:,]+|\[[0-9a-f:]+\]):(?<port>\d{1,5})$/i;

/** One server behind the balancer. */
export interface BackendAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port,host:port`; every entry that is not one is an issue naming it. */
function backends() {
  return z.string().transform((text, ctx): BackendAddress[] => {
    const parsed: BackendAddress[] = [];
    for (const entry of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const match = BACKEND.exec(entry);
      const port = Number(match?.groups?.['port']);
      if (!match?.groups?.['host'] || !(port >= 1 && port <= 65_535)) {
        ctx.addIssue({ code: 'custom', message: `expected host:port, got "${entry}"` });
        continue;
      }
      parsed.push({ host: match.groups['host'].replace(/^\[|\]$/g, ''), port });
    }
    if (parsed.length === 0 && text.trim() === '')
      ctx.addIssue({ code: 'custom', message: 'name at least one backend (host:port,host:port)' });
    return parsed;
  });
}

const schema = z.object({
  PORT: envInt(8080, 0, 65_535),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** The replicas to spread requests over, `host:port` comma-separated. */
  BALANCER_BACKENDS: backends(),
  /** Path each backend is probed on; a backend that does not answer 200 gets no new requests. */
  BALANCER_HEALTH_PATH: z.string().startsWith('/').default('/ready'),
  BALANCER_HEALTH_INTERVAL: envDurationMs('1s'),
  LOG_LEVEL: envLogLevel('info'),
});

export type BalancerConfig = Readonly<z.output<typeof schema>>;

/** The balancer's settings from the environment; invalid values stop it with every problem listed. */
export function loadBalancerConfig(env: Env = process.env): BalancerConfig {
  return parseEnvConfig(schema, env, 'http-balancer');
}
