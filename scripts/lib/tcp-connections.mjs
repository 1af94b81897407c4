// Counts TCP connections opened to a set of server ports while something runs, from /proc/net/tcp{,6}
// (Linux). Used by bench-orders to count the connections, hence the TLS handshakes, between agents.
import { readFileSync } from 'node:fs';

const ESTABLISHED = '01';

/** Client-side keys ("local -> remote") of established connections to `ports`, as /proc shows them now. */
export function connectionsTo(ports) {
  const keys = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== ESTABLISHED) continue;
      const remotePort = Number.parseInt(fields[2].split(':').at(-1), 16);
      if (ports.has(remotePort)) keys.add(`${fields[1]}->${fields[2]}`);
    }
  }
  return keys;
}

/**
 * How often the watch reads the tables. One read of /proc/net/tcp walks the kernel's whole connection hash:
 * about 10 ms of CPU with 500 sockets on a two-core host. Read every 250 ms during a 200/s run, the bench
 * held 3.4 % of the host's `perf` samples, 2 % in that walk alone: CPU the system under test went without.
 */
export const SAMPLE_INTERVAL_MS = 1_000;

/**
 * Samples connections to `ports` every `intervalMs` until `stop()`; `stop()` returns how many were seen that
 * did not exist at the start. A lower bound: a connection opened and closed between two samples is missed.
 */
export function watchNewConnections(ports, intervalMs = SAMPLE_INTERVAL_MS) {
  const initial = connectionsTo(ports);
  const seen = new Set();
  const sample = () => {
    for (const key of connectionsTo(ports)) if (!initial.has(key)) seen.add(key);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return seen.size;
    },
  };
}
