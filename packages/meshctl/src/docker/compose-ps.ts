import { renderTable } from '../table.js';

/** One container of the project, as `docker compose ps --all --format json` describes it. */
export interface ComposeContainer {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  /** running, exited, restarting, created… */
  readonly state: string;
  /** healthy, unhealthy, starting, or '' without a healthcheck. */
  readonly health: string;
  readonly exitCode: number;
  /** Published ports, e.g. `127.0.0.1:8080->80/tcp`. */
  readonly ports: readonly string[];
}

/** Services that run once and exit 0 (the certificate step): exited is their healthy state. */
export const ONE_SHOT_SERVICES: readonly string[] = ['mesh-certs'];

interface PsEntry {
  ID?: string;
  Name?: string;
  Service?: string;
  State?: string;
  Health?: string;
  ExitCode?: number;
  Publishers?: { URL?: string; PublishedPort?: number; TargetPort?: number; Protocol?: string }[] | null;
}

/**
 * Parses `ps --format json`: older Compose v2 releases print one JSON array, newer ones one object per line.
 * Containers come sorted by service, then name.
 */
export function parseComposePs(stdout: string): ComposeContainer[] {
  const text = stdout.trim();
  if (text === '') return [];
  const entries: PsEntry[] = text.startsWith('[')
    ? (JSON.parse(text) as PsEntry[])
    : text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as PsEntry);
  return entries
    .map((entry) => ({
      id: entry.ID ?? '',
      name: entry.Name ?? '',
      service: entry.Service ?? '',
      state: entry.State ?? '',
      health: entry.Health ?? '',
      exitCode: entry.ExitCode ?? 0,
      ports: [
        ...new Set(
          (entry.Publishers ?? [])
            .filter((p) => (p.PublishedPort ?? 0) > 0)
            .map((p) => `${p.URL ?? ''}:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`),
        ),
      ],
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

/** Running and not unhealthy (healthy, or no healthcheck); a one-shot service: exited 0. */
export function containerOk(container: ComposeContainer): boolean {
  if (ONE_SHOT_SERVICES.includes(container.service))
    return container.state === 'exited' && container.exitCode === 0;
  return container.state === 'running' && (container.health === 'healthy' || container.health === '');
}

/** The table `status` and the end of a start print. */
export function formatContainers(containers: readonly ComposeContainer[]): string {
  return renderTable(
    ['SERVICE', 'CONTAINER', 'STATE', 'HEALTH', 'PORTS'],
    containers.map((c) => [
      c.service,
      c.name,
      c.state === 'exited' ? `exited (${c.exitCode})` : c.state,
      c.health,
      c.ports.join(', '),
    ]),
  );
}
