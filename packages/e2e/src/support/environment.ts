import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A process as `.mesh/state.json` records it (a wider view than the harness's type). */
export interface RecordedProcess {
  name: string;
  kind: string;
  replica: number;
  pid: number;
  port?: number;
  url?: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Where the started system's parts listen, read from its state file. */
export interface SystemEndpoints {
  gatewayUrl: string;
  registryUrl: string;
  paymentUrl: string;
  smtpUrl: string;
  /** business_db of the embedded PostgreSQL. */
  businessDbUrl: string;
  processes: RecordedProcess[];
}

function find(processes: RecordedProcess[], name: string): RecordedProcess {
  const found = processes.find((p) => p.name === name);
  if (!found) throw new Error(`the started system has no ${name} process`);
  return found;
}

/** The environment a running process was started with (Linux /proc), to restart it the same way. */
export function processEnv(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

export function readEndpoints(home: string, gatewayUrl: string): SystemEndpoints {
  const state = JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as {
    registryUrl: string;
    processes: RecordedProcess[];
  };
  const processes = state.processes;
  const order = find(processes, 'order-agent');
  const orderDb = processEnv(order.pid)['DATABASE_URL'];
  if (!orderDb) throw new Error('order-agent runs without DATABASE_URL');
  return {
    gatewayUrl,
    registryUrl: state.registryUrl,
    paymentUrl: find(processes, 'payment-sandbox').url ?? '',
    smtpUrl: find(processes, 'smtp-sink').url ?? '',
    businessDbUrl: orderDb,
    processes,
  };
}

export function pidsOf(endpoints: SystemEndpoints, name: string): number[] {
  return endpoints.processes.filter((p) => p.name === name).map((p) => p.pid);
}
