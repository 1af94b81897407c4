import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { MeshError } from '@mesh/common';
import {
  DEFAULT_TRUST_DOMAIN,
  OPERATOR_IDENTITY_NAME,
  REGISTRY_IDENTITY_NAME,
  isTrustDomain,
} from '@mesh/trust';
import type { IdentityKind } from '@mesh/trust';
import { caFileOf, initMeshTls, workloadEnv, workloadFiles } from '@mesh/trust/ca';
import type { InitMeshTlsResult, Workload } from '@mesh/trust/ca';
import type { Architecture } from '../architecture/load.js';
import { readState } from '../local/state.js';

/** Hosts every local certificate names: the processes listen on loopback. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** The mesh PKI of a local start: `<home>/tls`, and the variables each process gets. */
export interface LocalTls {
  readonly dir: string;
  readonly trustDomain: string;
  readonly caFile: string;
  /** architecture.yml, the policy every agent and the registry enforce. */
  readonly policyFile: string;
  /** `MCP_MESH_TLS_*`, `MCP_MESH_TRUST_DOMAIN` and `MCP_MESH_POLICY_FILE` for one workload. */
  envFor(name: string, kind?: IdentityKind): Record<string, string>;
}

/** What `MCP_MESH_TLS_MODE` asks of a local start: strict unless it says off. */
export function localTlsMode(env: NodeJS.ProcessEnv): 'strict' | 'off' {
  const mode = (env['MCP_MESH_TLS_MODE'] ?? '').trim().toLowerCase();
  if (mode === '' || mode === 'strict' || mode === 'auto') return 'strict';
  if (mode === 'off') return 'off';
  throw new MeshError('CONFIG_INVALID', `MCP_MESH_TLS_MODE: expected off, auto or strict; got "${mode}"`);
}

export function trustDomainOf(env: NodeJS.ProcessEnv): string {
  const domain = env['MCP_MESH_TRUST_DOMAIN']?.trim() || DEFAULT_TRUST_DOMAIN;
  if (!isTrustDomain(domain))
    throw new MeshError(
      'CONFIG_INVALID',
      `MCP_MESH_TRUST_DOMAIN: expected a lower-case domain; got "${domain}"`,
    );
  return domain;
}

/** Stands for the workload's name in extra hosts: `{name}.mesh.svc` names `order-agent.mesh.svc` in its certificate. */
export const HOST_NAME_PLACEHOLDER = '{name}';

/**
 * The certificates an architecture needs: the registry, each agent, and the operator (meshctl). Extra hosts go
 * into every agent certificate (the registry's included), `{name}` replaced by the agent's name, so one option
 * names per-workload service names and wildcards (`*.{name}.ns.svc.cluster.local`) for all of them.
 */
export function workloadsOf(
  arch: Architecture,
  trustDomain: string,
  extraHosts: readonly string[] = [],
): Workload[] {
  const workload = (kind: IdentityKind, name: string, hosts: readonly string[]): Workload => ({
    identity: { trustDomain, kind, name },
    hosts: [...new Set(hosts.map((host) => host.split(HOST_NAME_PLACEHOLDER).join(name).toLowerCase()))],
  });
  return [
    workload('agent', REGISTRY_IDENTITY_NAME, [...LOOPBACK_HOSTS, REGISTRY_IDENTITY_NAME, ...extraHosts]),
    ...arch.agents.map((agent) =>
      workload('agent', agent.name, [...LOOPBACK_HOSTS, agent.name, ...extraHosts]),
    ),
    workload('operator', OPERATOR_IDENTITY_NAME, []),
  ];
}

export function localTlsLayout(dir: string, trustDomain: string, policyFile: string): LocalTls {
  const caFile = caFileOf(dir);
  return {
    dir,
    trustDomain,
    caFile,
    policyFile,
    envFor(name, kind = 'agent') {
      return { ...workloadEnv(dir, { trustDomain, kind, name }), MCP_MESH_POLICY_FILE: policyFile };
    },
  };
}

/**
 * Makes sure `<home>/tls` holds the CA and a current certificate for every workload of the architecture
 * (created on first start, re-issued when due), then returns the layout.
 */
export async function ensureLocalTls(
  arch: Architecture,
  root: string,
  home: string,
  env: NodeJS.ProcessEnv,
  options: { rotate?: boolean } = {},
): Promise<{ tls: LocalTls; result: InitMeshTlsResult }> {
  const trustDomain = trustDomainOf(env);
  const dir = join(home, 'tls');
  const result = await initMeshTls({
    dir,
    trustDomain,
    workloads: workloadsOf(arch, trustDomain),
    rotate: options.rotate ?? false,
  });
  return { tls: localTlsLayout(dir, trustDomain, resolve(root, arch.file)), result };
}

/**
 * The TLS options meshctl connects with: `MCP_MESH_TLS_CERT`/`_KEY`/`_CA` when set (an operator certificate
 * of a remote mesh), else the operator certificate of the running mesh (`<home>/tls`, or where a Docker start
 * copied it: the state's `tls.dir`), else none (plain meshes).
 */
export function operatorTls(
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionOptions | undefined {
  const cert = env['MCP_MESH_TLS_CERT'];
  const key = env['MCP_MESH_TLS_KEY'];
  const ca = env['MCP_MESH_TLS_CA'];
  if (cert && key && ca) return { cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca) };
  // A Docker start records where it copied the operator certificate to; a local start uses <home>/tls.
  const dir = readState(home)?.tls?.dir ?? join(home, 'tls');
  const files = workloadFiles(dir, {
    trustDomain: trustDomainOf(env),
    kind: 'operator',
    name: OPERATOR_IDENTITY_NAME,
  });
  const caFile = caFileOf(dir);
  if (!existsSync(files.cert) || !existsSync(files.key) || !existsSync(caFile)) return undefined;
  return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(caFile) };
}
