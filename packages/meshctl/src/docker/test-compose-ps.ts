/** `compose ps --all --format json` lines (the newer, one object per line form) for a small Docker mesh. */
export function psLines(
  containers: readonly {
    service: string;
    state?: string;
    health?: string;
    exitCode?: number;
    port?: [number, number];
  }[],
): string {
  return containers
    .map((c, index) =>
      JSON.stringify({
        ID: `c0ffee${index}`,
        Name: `agent-mesh-${c.service}-${index + 1}`,
        Service: c.service,
        State: c.state ?? 'running',
        Health: c.health ?? 'healthy',
        ExitCode: c.exitCode ?? 0,
        Publishers: c.port
          ? [{ URL: '127.0.0.1', PublishedPort: c.port[0], TargetPort: c.port[1], Protocol: 'tcp' }]
          : [{ URL: '', PublishedPort: 0, TargetPort: 8080, Protocol: 'tcp' }],
      }),
    )
    .join('\n');
}
