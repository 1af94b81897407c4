// Container healthcheck without curl: exit 0 when HEALTHCHECK_URL (default the agent's /ready) answers 2xx.
const url =
  process.env.HEALTHCHECK_URL ?? `http://127.0.0.1:${process.env.MCP_MESH_HTTP_PORT ?? '8080'}/ready`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
