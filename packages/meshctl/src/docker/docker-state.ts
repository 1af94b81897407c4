import { join } from 'node:path';
import { MeshError } from '@mesh/common';
import type { MeshState } from '../local/state.js';
import { composeCommandLine, type ComposeRecord } from './compose-project.js';
import { reachableHost } from './published-ports.js';

/** Addresses of a Docker mesh from this machine, the ones a local start has under the same names. */
export interface DockerUrls {
  /** The registry, mTLS like every mesh endpoint in compose. */
  readonly registry: string;
  /** The gateway's public port: plain HTTP through nginx, the same port as a local start's gateway. */
  readonly gateway: string;
  readonly mail: string;
  readonly paymentSandbox: string;
  readonly nginxHttp: string;
  readonly nginxHttps: string;
}

export function dockerUrls(record: ComposeRecord): DockerUrls {
  const host = reachableHost(record.publishHost);
  const { ports } = record;
  return {
    registry: `https://${host}:${ports.registry}`,
    gateway: `http://${host}:${ports.gateway}`,
    mail: `http://${host}:${ports.smtpSink}`,
    paymentSandbox: `http://${host}:${ports.paymentSandbox}`,
    nginxHttp: `http://${host}:${ports.http}`,
    nginxHttps: `https://${host}:${ports.https}`,
  };
}

/** Where a Docker start keeps its copy of the operator certificate (meshctl's identity for that mesh). */
export function dockerTlsDir(home: string): string {
  return join(home, 'docker-tls');
}

/** The state a Docker start writes before its first container starts, so a failed start can be stopped. */
export function dockerState(
  root: string,
  home: string,
  record: ComposeRecord,
  trustDomain: string,
): MeshState {
  const urls = dockerUrls(record);
  return {
    version: 1,
    mode: 'docker',
    root,
    startedAt: new Date().toISOString(),
    registryUrl: urls.registry,
    gatewayUrl: urls.gateway,
    tls: { dir: dockerTlsDir(home), trustDomain },
    processes: [],
    compose: record,
  };
}

/** The record of a Docker state; an error for a state that says docker but lacks one (hand-edited). */
export function composeRecordOf(state: MeshState): ComposeRecord {
  if (state.compose === undefined)
    throw new MeshError('CONFIG_INVALID', 'the mesh state says docker but names no compose project');
  return state.compose;
}

/** Refuses local process commands while the state belongs to a Docker mesh. */
export function dockerMeshRuns(state: MeshState): MeshError {
  const record = state.compose;
  const project = record ? ` (compose project ${record.project})` : '';
  return new MeshError(
    'CONFLICT',
    `the mesh runs in Docker${project}; stop it first: ./scripts/stop-multi-agent.sh` +
      (record ? `, or ${composeCommandLine(record)} down` : ''),
  );
}
