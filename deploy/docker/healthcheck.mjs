// Container healthcheck without curl: exit 0 when HEALTHCHECK_URL (default the agent's /ready) answers 2xx
// within 2.5 s. With TLS on (MCP_MESH_TLS_MODE=strict, or auto with a certificate) the default URL is https
// and any https URL is checked against the mesh CA (MCP_MESH_TLS_CA); probes need no client certificate.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const env = process.env;
const mode = (env.MCP_MESH_TLS_MODE ?? '').trim().toLowerCase();
const tls = mode === 'strict' || (mode === 'auto' && Boolean(env.MCP_MESH_TLS_CERT));
const url = new URL(
  env.HEALTHCHECK_URL ?? `${tls ? 'https' : 'http'}://127.0.0.1:${env.MCP_MESH_HTTP_PORT ?? '8080'}/ready`,
);
const secure = url.protocol === 'https:';

try {
  const options = {
    timeout: 2500,
    ...(secure && env.MCP_MESH_TLS_CA ? { ca: readFileSync(env.MCP_MESH_TLS_CA) } : {}),
  };
  const request = (secure ? https : http).get(url, options, (response) => {
    response.resume();
    const status = response.statusCode ?? 0;
    process.exit(status >= 200 && status < 300 ? 0 : 1);
  });
  request.on('timeout', () => request.destroy(new Error('timed out')));
  request.on('error', (error) => {
    process.stderr.write(`healthcheck ${url.href}: ${error.message}\n`);
    process.exit(1);
  });
} catch (error) {
  process.stderr.write(
    `healthcheck ${url.href}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
