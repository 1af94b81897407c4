// The trust settings of system (c): plain (`off`) or strict (mTLS and the capability policy), so the same hop
// can be measured both ways in one run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { createTestPki } from '@mesh/testkit';
import type { TestPki } from '@mesh/testkit';
import { BENCH_CONSUMER, BENCH_PROVIDER } from './bench-names.js';

/**
 * The policy of system (c), in architecture.yml's shape: the provider offers `echo` (and its fixture control),
 * the consumer depends on it. Nothing else may call or register.
 */
const POLICY_YAML = `agents:
  bench:
    - name: ${BENCH_PROVIDER}
      provides: [echo, ${BENCH_PROVIDER}_control]
    - name: ${BENCH_CONSUMER}
      depends_on: [${BENCH_PROVIDER}]
`;

/** The environment each process of system (c) gets for one TLS mode, and how the bench reaches its probes. */
export interface BenchTrust {
  readonly mode: 'off' | 'strict';
  readonly scheme: 'http' | 'https';
  envFor(workload: 'registry' | typeof BENCH_PROVIDER | typeof BENCH_CONSUMER): Record<string, string>;
  /** TLS options for probing `/health` and `/ready` (the mesh CA); undefined when plain. */
  readonly probeTls: ConnectionOptions | undefined;
  /** Certificate, key and CA files of a workload (strict only): for the raw TLS baseline. */
  files(workload: string): { cert: string; key: string; ca: string };
  remove(): void;
}

/** Plain HTTP, said explicitly so an inherited `MCP_MESH_TLS_MODE` cannot turn it strict. */
export function plainTrust(): BenchTrust {
  return {
    mode: 'off',
    scheme: 'http',
    envFor: () => ({ MCP_MESH_TLS_MODE: 'off' }),
    probeTls: undefined,
    files: () => {
      throw new Error('plain trust has no certificates');
    },
    remove: () => undefined,
  };
}

/** A temporary mesh CA with certificates for the registry, the provider and the consumer, and the policy. */
export async function strictTrust(): Promise<BenchTrust> {
  const pki: TestPki = await createTestPki(['registry', BENCH_PROVIDER, BENCH_CONSUMER]);
  const policyFile = join(pki.dir, 'architecture.yml');
  writeFileSync(policyFile, POLICY_YAML, { mode: 0o600 });
  return {
    mode: 'strict',
    scheme: 'https',
    envFor: (workload) => ({ ...pki.env(workload), MCP_MESH_POLICY_FILE: policyFile }),
    probeTls: { ca: readFileSync(pki.caFile, 'utf8') },
    files: (workload) => {
      const env = pki.env(workload);
      return { cert: env['MCP_MESH_TLS_CERT']!, key: env['MCP_MESH_TLS_KEY']!, ca: pki.caFile };
    },
    remove: () => pki.remove(),
  };
}
