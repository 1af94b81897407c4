import { isIP } from 'node:net';
import { join } from 'node:path';
import { MeshError } from '@mesh/common';
import { isTrustDomain } from '@mesh/trust';
import { initEdgeTls, initMeshTls } from '@mesh/trust/ca';
import type { Architecture } from '../architecture/load.js';
import { HOST_NAME_PLACEHOLDER, trustDomainOf, workloadsOf } from './local-tls.js';

export interface TlsInitOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Default `<home>/tls`. */
  dir?: string;
  /** Host names every certificate also names (compose service names are added per agent already). */
  hosts?: readonly string[];
  trustDomain?: string;
  /** Leaf validity in days (default 30). */
  days?: number;
  rotate: boolean;
}

/**
 * `meshctl tls init`: the mesh CA (once) and certificates for the registry, every agent of architecture.yml
 * and the operator, 0600 in a 0700 directory. Safe to run again: only missing, changed or expiring
 * certificates are issued (or all with --rotate), and running agents reload them without a restart.
 */
export async function tlsInit(
  arch: Architecture,
  args: readonly string[],
  options: TlsInitOptions,
): Promise<number> {
  if (args[0] === 'edge' && args.length === 1) return tlsEdge(options);
  if (args[0] !== 'init' || args.length > 1)
    throw new MeshError(
      'BAD_REQUEST',
      'usage: meshctl tls init [--dir D] [--rotate] [--hosts h1,{name}.ns.svc,*.{name}.pods] [--trust-domain T] [--days N]\n' +
        '       meshctl tls edge --dir D [--hosts localhost,127.0.0.1] [--days N]',
    );
  const trustDomain = options.trustDomain ?? trustDomainOf(options.env);
  if (!isTrustDomain(trustDomain))
    throw new MeshError(
      'BAD_REQUEST',
      `--trust-domain: expected a lower-case domain such as mesh.local; got "${trustDomain}"`,
    );
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 825)
    throw new MeshError(
      'BAD_REQUEST',
      `--days: expected a whole number of days from 1 to 825; got "${options.days}"`,
    );
  for (const host of options.hosts ?? []) {
    const problem = hostPatternProblem(host);
    if (problem) throw new MeshError('BAD_REQUEST', `--hosts: "${host}" ${problem}`);
  }
  const dir = options.dir ?? join(options.home, 'tls');
  const result = await initMeshTls({
    dir,
    trustDomain,
    workloads: workloadsOf(arch, trustDomain, options.hosts ?? []),
    rotate: options.rotate,
    leafDays: days,
  });
  options.log(
    `${result.caCreated ? 'created the CA' : 'CA kept'}: ${result.caFile} (trust domain ${trustDomain})`,
  );
  for (const { label, reason } of result.issued) options.log(`issued ${label} (${reason})`);
  if (result.kept.length > 0) options.log(`kept ${result.kept.length} current certificates`);
  options.log(
    `Files are 0600 in ${dir} (0700). Agents use MCP_MESH_TLS_MODE=strict with MCP_MESH_TLS_CERT/_KEY/_CA.`,
  );
  return 0;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why a `--hosts` entry cannot go into a certificate, or undefined when it can: an IP address, a DNS name, or
 * a wildcard `*.<domain>` over one left-most label with at least two labels after it (what the registry's
 * host check honours). `{name}` stands for each workload's name.
 */
export function hostPatternProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  const labels = host.split(HOST_NAME_PLACEHOLDER).join('x').toLowerCase().split('.');
  const wildcard = labels[0] === '*';
  if (wildcard && labels.length < 3) return 'is a wildcard over a top-level domain';
  const rest = wildcard ? labels.slice(1) : labels;
  if (!rest.every((label) => LABEL.test(label)))
    return 'is not an IP address, a DNS name or a wildcard *.<domain> (use {name} for the workload name)';
  return undefined;
}

/**
 * `meshctl tls edge`: the public edge's server certificate (nginx in compose) for `--hosts` (default localhost
 * and 127.0.0.1), from an edge CA of its own: never the mesh CA, and with no mesh identity in it.
 */
async function tlsEdge(options: TlsInitOptions): Promise<number> {
  const hosts = options.hosts && options.hosts.length > 0 ? options.hosts : ['localhost', '127.0.0.1'];
  for (const host of hosts) {
    if (host.includes('{') || host.includes('*'))
      throw new MeshError('BAD_REQUEST', `--hosts: "${host}": the edge certificate names exact hosts`);
    const problem = hostPatternProblem(host);
    if (problem) throw new MeshError('BAD_REQUEST', `--hosts: "${host}" ${problem}`);
  }
  const days = options.days ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > 397)
    throw new MeshError(
      'BAD_REQUEST',
      `--days: expected a whole number of days from 1 to 397; got "${options.days}"`,
    );
  const result = await initEdgeTls({ dir: options.dir ?? join(options.home, 'tls-edge'), hosts, days });
  options.log(
    `${result.issued ? 'issued' : 'kept'} the edge certificate ${result.certFile} for ${hosts.join(', ')} ` +
      `(edge CA ${result.caFile}; not a mesh identity)`,
  );
  return 0;
}
