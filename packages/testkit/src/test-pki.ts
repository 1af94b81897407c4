import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TRUST_DOMAIN } from '@mesh/trust';
import type { IdentityKind, TlsSettings } from '@mesh/trust';
import { caFileOf, initMeshTls, workloadEnv, workloadFiles } from '@mesh/trust/ca';

/** A mesh CA and certificates in a temporary directory, for tests that run strict mode. */
export interface TestPki {
  readonly dir: string;
  readonly trustDomain: string;
  readonly caFile: string;
  /** Strict TLS settings for one workload (its files, this CA). */
  settings(name: string, kind?: IdentityKind): TlsSettings;
  /** The `MCP_MESH_TLS_*` variables for a process of that workload. */
  env(name: string, kind?: IdentityKind): Record<string, string>;
  /** Issues (again) certificates for more workloads, or re-issues all with `rotate`. */
  issue(
    names: readonly string[],
    options?: { kind?: IdentityKind; rotate?: boolean; hosts?: string[] },
  ): Promise<void>;
  remove(): void;
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/**
 * Creates a test PKI: the CA plus an `agent/<name>` certificate for each name (valid on loopback), and the
 * operator `meshctl`. Certificates live in a fresh temporary directory that `remove()` deletes.
 */
export async function createTestPki(
  agentNames: readonly string[],
  options: { trustDomain?: string; reloadIntervalMs?: number } = {},
): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-test-pki-'));
  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const reloadIntervalMs = options.reloadIntervalMs ?? 10_000;
  const issue: TestPki['issue'] = async (names, issueOptions = {}) => {
    await initMeshTls({
      dir,
      trustDomain,
      rotate: issueOptions.rotate ?? false,
      workloads: names.map((name) => ({
        identity: { trustDomain, kind: issueOptions.kind ?? 'agent', name },
        hosts: issueOptions.hosts ?? LOOPBACK,
      })),
    });
  };
  await issue(agentNames);
  await issue(['meshctl'], { kind: 'operator' });
  const caFile = caFileOf(dir);
  const settings = (name: string, kind: IdentityKind = 'agent'): TlsSettings => {
    const files = workloadFiles(dir, { trustDomain, kind, name });
    return {
      mode: 'strict',
      requested: 'strict',
      certFile: files.cert,
      keyFile: files.key,
      caFile,
      trustDomain,
      reloadIntervalMs,
    };
  };
  return {
    dir,
    trustDomain,
    caFile,
    settings,
    env: (name, kind = 'agent') => workloadEnv(dir, { trustDomain, kind, name }),
    issue,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
