import { isProcessAlive } from '@mesh/common';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComposeRecord } from '../docker/compose-project.js';

/** One process the local orchestrator started. */
export interface ProcessRecord {
  /** Agent, infrastructure or registry name (architecture.yml). */
  name: string;
  /** `balancer`: the proxy on a fixed port in front of that agent's replicas (`<agent>-balancer`). */
  kind: 'registry' | 'infrastructure' | 'agent' | 'balancer';
  /** 1-based replica number. */
  replica: number;
  /** The process that is the service: for PostgreSQL the postmaster, not the node wrapper that started it. */
  pid: number;
  /** The wrapper that started `pid` and leads its process group (it exits when `pid` does). */
  supervisorPid?: number;
  /** What stops `pid` promptly: SIGINT is PostgreSQL's fast shutdown (its SIGTERM waits for every client). */
  stopSignal?: 'SIGTERM' | 'SIGINT';
  port?: number;
  url?: string;
  log: string;
  /** argv after the node binary, to restart the same replica. */
  args: string[];
  /** Variables set on top of the caller's environment. */
  env: Record<string, string>;
  startedAt: string;
}

/** `.mesh/state.json`: what runs where, so stop, status, logs and chaos find it again. */
export interface MeshState {
  version: 1;
  mode: 'local' | 'docker';
  root: string;
  startedAt: string;
  /** The architecture.yml profile the mesh was started with (`up --profile`); absent: the file as written. */
  profile?: string;
  readyMs?: number;
  registryUrl: string;
  gatewayUrl?: string;
  /** The mesh PKI when the mesh runs strict (mTLS): `<home>/tls` and its trust domain. */
  tls?: { dir: string; trustDomain: string };
  /** Variables the running infrastructure hands to agents (so a later `start <agent>` gets them too). */
  exports?: Record<string, string>;
  /** Local processes; empty in Docker mode, where `compose` says which containers are the mesh. */
  processes: ProcessRecord[];
  /** Docker mode: the compose project, files and published ports the start used. */
  compose?: ComposeRecord;
}

/** The directory for logs, pids and data: MESH_HOME or `<root>/.mesh`. */
export function meshHome(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env['MESH_HOME'] && env['MESH_HOME'] !== '' ? env['MESH_HOME'] : join(root, '.mesh');
}

export function statePath(home: string): string {
  return join(home, 'state.json');
}

export function readState(home: string): MeshState | undefined {
  const file = statePath(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as MeshState;
  } catch {
    return undefined;
  }
}

/** Writes atomically (rename) and private to the user: the env may hold local database passwords. */
export function writeState(home: string, state: MeshState): void {
  const file = statePath(home);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * True while a process with this pid runs (signal 0 probes without touching it). A zombie (exited, not yet
 * reaped by its parent) counts as gone: it serves nothing and only waits for a wait() that may come late.
 */
/** Whether a recorded process still runs (a zombie does not). */
export function isAlive(pid: number): boolean {
  return isProcessAlive(pid);
}

/** Whether a record's service still runs: its process or the wrapper that started it. */
export function isRunning(record: Pick<ProcessRecord, 'pid' | 'supervisorPid'>): boolean {
  return isAlive(record.pid) || (record.supervisorPid !== undefined && isAlive(record.supervisorPid));
}

/** The records of the state whose processes still run. */
export function liveProcesses(state: MeshState | undefined): ProcessRecord[] {
  return state ? state.processes.filter(isRunning) : [];
}
