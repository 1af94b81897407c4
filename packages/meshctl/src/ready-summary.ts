/** What both start paths (local processes, Docker) say once the mesh is ready, in the same words. */
export interface ReadySummary {
  /** "13 agent processes", "13 agent containers". */
  readonly agents: string;
  /**
   * What a partial start (`meshctl start <agent…>`) says instead of "All … ready": only what it started,
   * then what runs in all.
   */
  readonly headline?: string;
  readonly readyMs: number;
  readonly registryUrl: string;
  readonly gatewayUrl?: string | undefined;
  /** The SMTP sink's HTTP API (GET /messages), where confirmation mail lands. */
  readonly mailUrl?: string | undefined;
  /** Further addresses, e.g. nginx or a layer's UIs. */
  readonly more?: readonly string[];
}

export function formatReadySummary(summary: ReadySummary): string[] {
  return [
    summary.headline ?? `All ${summary.agents} ready in ${(summary.readyMs / 1000).toFixed(2)} s.`,
    `Registry: ${summary.registryUrl}   Gateway: ${summary.gatewayUrl ?? '(not started)'}`,
    ...(summary.mailUrl ? [`Mail:     ${summary.mailUrl}/messages (SMTP sink)`] : []),
    ...(summary.more ?? []),
    'Inspect: bin/meshctl list | bin/meshctl status | bin/meshctl logs <agent>',
    'Stop:    ./scripts/stop-multi-agent.sh   (or bin/meshctl down)',
  ];
}
