/** The agent's /metrics exposition. */
export async function scrape(agentUrl: string): Promise<string> {
  const response = await fetch(`${agentUrl}/metrics`);
  return response.text();
}

/**
 * The sum of every sample of `name` whose labels include all of `labels` (0 when there is none), read from a
 * Prometheus text exposition.
 */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf('}');
    const labelText = brace === -1 ? '' : line.slice(name.length + 1, brace);
    if (!Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
