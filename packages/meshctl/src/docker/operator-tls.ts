import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { OPERATOR_IDENTITY_NAME } from '@mesh/trust';
import { caFileOf, workloadFiles } from '@mesh/trust/ca';
import { parseComposePs } from './compose-ps.js';
import { runCommand, runCompose } from './compose-run.js';
import type { ComposeRecord } from './compose-project.js';

/** Where the certificate step keeps the mesh PKI inside its container (the mesh-pki volume). */
const CONTAINER_PKI_DIR = '/mesh-pki';
const CERTIFICATE_SERVICE = 'mesh-certs';

/**
 * Copies the operator certificate, its key and the mesh CA certificate (never the CA key) out of the
 * certificate step's volume into `dir` (0700, files 0600), in the layout `operatorTls` reads, so meshctl
 * talks to the registry of a Docker mesh as the operator just as it does locally. Resolves with the reason
 * when it could not (the caller warns: only `status`, `list` and `chaos` need it).
 */
export async function copyOperatorTls(
  record: ComposeRecord,
  dir: string,
  options: { root: string; env: NodeJS.ProcessEnv; trustDomain: string },
): Promise<string | undefined> {
  const ps = await runCompose(record, ['ps', '--all', '--format', 'json', CERTIFICATE_SERVICE], {
    ...options,
    capture: true,
  });
  const container = parseComposePs(ps.stdout).find((c) => c.service === CERTIFICATE_SERVICE);
  if (ps.code !== 0 || container === undefined || container.id === '')
    return `no ${CERTIFICATE_SERVICE} container found`;
  const identity = {
    trustDomain: options.trustDomain,
    kind: 'operator' as const,
    name: OPERATOR_IDENTITY_NAME,
  };
  const files = workloadFiles(dir, identity);
  rmSync(dir, { recursive: true, force: true });
  for (const file of [caFileOf(dir), files.cert, files.key]) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const source = posix.join(CONTAINER_PKI_DIR, ...relative(dir, file).split('/'));
    const copy = await runCommand(['docker', 'cp', `${container.id}:${source}`, file], {
      ...options,
      capture: true,
    });
    if (copy.code !== 0) return `docker cp ${source}: ${copy.stderr.trim() || `exit code ${copy.code}`}`;
    chmodSync(file, 0o600);
  }
  chmodSync(dir, 0o700);
  chmodSync(join(dir, identity.kind), 0o700);
  return undefined;
}
