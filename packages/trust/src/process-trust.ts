import { MeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { MeshIdentity } from './identity.js';
import { describeIdentity } from './identity.js';
import type { MeshPolicy } from './policy.js';
import { loadPolicyFile } from './policy-file.js';
import { TlsMaterialSource } from './tls-material.js';
import type { TlsSettings } from './tls-settings.js';

/** What a strict process starts from: its reloadable certificate and the policy it enforces. */
export interface ProcessTrust {
  readonly source: TlsMaterialSource;
  readonly policy: MeshPolicy;
}

/**
 * Loads a strict process's trust: the certificate must name `expected` (an agent cannot run with another's
 * certificate), and the policy comes from `policy` or `settings.policyFile`, which strict mode requires.
 * Reload failures are logged, keeping the current certificate.
 */
export function openProcessTrust(
  settings: TlsSettings,
  expected: Pick<MeshIdentity, 'kind' | 'name'>,
  logger: Logger,
  policy?: MeshPolicy,
): ProcessTrust {
  const source = new TlsMaterialSource(settings, (error: unknown) =>
    logger.error({ err: error }, 'could not reload the TLS certificate; keeping the current one'),
  );
  const identity = source.current.identity;
  if (identity.kind !== expected.kind || identity.name !== expected.name)
    throw new MeshError(
      'CONFIG_INVALID',
      `MCP_MESH_TLS_CERT names ${describeIdentity(identity)}, but this process is ${expected.kind}/${expected.name}`,
    );
  if (policy) return { source, policy };
  if (!settings.policyFile)
    throw new MeshError(
      'CONFIG_INVALID',
      'MCP_MESH_POLICY_FILE: required in strict mode (architecture.yml: who may provide and call what)',
    );
  return { source, policy: loadPolicyFile(settings.policyFile, settings.trustDomain) };
}
