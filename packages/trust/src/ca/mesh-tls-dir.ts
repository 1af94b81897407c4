import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { MeshError } from '@mesh/common';
import type { MeshIdentity } from '../identity.js';
import { identityOfSubjectAltNames, parseSubjectAltNames, spiffeUri } from '../identity.js';
import { createCa, issueLeaf } from './certificates.js';
import type { IssuedPair } from './certificates.js';
import { hasAThirdLeft, makePrivateDir, writeSecret } from './private-files.js';

/** One workload to hold a certificate: an agent, the registry or the operator. */
export interface Workload {
  readonly identity: MeshIdentity;
  readonly hosts: readonly string[];
}

export interface InitMeshTlsOptions {
  readonly dir: string;
  readonly trustDomain: string;
  readonly workloads: readonly Workload[];
  /** Leaf validity (default 30 days); leaves are re-issued once less than a third of it is left. */
  readonly leafDays?: number;
  /** CA validity (default 10 years). */
  readonly caDays?: number;
  /** Re-issue every leaf now (rotation). The CA is kept. */
  readonly rotate?: boolean;
  readonly now?: Date;
}

/** Where one workload's files live: `<dir>/<kind>/<name>.crt` and `.key`. */
export interface WorkloadFiles {
  readonly cert: string;
  readonly key: string;
}

export interface InitMeshTlsResult {
  readonly dir: string;
  readonly caFile: string;
  readonly caCreated: boolean;
  /** `agent/order-agent` labels of leaves written now, with the reason. */
  readonly issued: readonly { label: string; reason: string }[];
  readonly kept: readonly string[];
}

export function caFileOf(dir: string): string {
  return join(dir, 'ca.crt');
}

/** The `MCP_MESH_TLS_*` and `MCP_MESH_TRUST_DOMAIN` variables of a strict process of that workload. */
export function workloadEnv(dir: string, identity: MeshIdentity): Record<string, string> {
  const files = workloadFiles(dir, identity);
  return {
    MCP_MESH_TLS_MODE: 'strict',
    MCP_MESH_TLS_CERT: files.cert,
    MCP_MESH_TLS_KEY: files.key,
    MCP_MESH_TLS_CA: caFileOf(dir),
    MCP_MESH_TRUST_DOMAIN: identity.trustDomain,
  };
}

export function workloadFiles(dir: string, identity: MeshIdentity): WorkloadFiles {
  return {
    cert: join(dir, identity.kind, `${identity.name}.crt`),
    key: join(dir, identity.kind, `${identity.name}.key`),
  };
}

function sameHosts(certificate: X509Certificate, hosts: readonly string[]): boolean {
  const names = parseSubjectAltNames(certificate.subjectAltName);
  const have = [...names.dns, ...names.ips].sort();
  const want = hosts.map((host) => host.toLowerCase()).sort();
  return have.length === want.length && have.every((host, index) => host === want[index]);
}

/** Why an existing leaf must be re-issued, or undefined when it is still good. */
function renewalReason(
  files: WorkloadFiles,
  workload: Workload,
  ca: X509Certificate,
  now: Date,
): string | undefined {
  if (!existsSync(files.cert) || !existsSync(files.key)) return 'new';
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readFileSync(files.cert));
  } catch {
    return 'unreadable';
  }
  if (!certificate.verify(ca.publicKey)) return 'signed by another CA';
  const identity = identityOfSubjectAltNames(certificate.subjectAltName);
  if (!identity || spiffeUri(identity) !== spiffeUri(workload.identity)) return 'identity changed';
  if (!sameHosts(certificate, workload.hosts)) return 'hosts changed';
  if (!hasAThirdLeft(certificate, now)) return 'expiring';
  return undefined;
}

/**
 * Creates (once) the mesh CA and (as needed) each workload's certificate under `dir`: directories 0700,
 * files 0600, written atomically. Idempotent: run it on every start; it re-issues only leaves that are new,
 * changed, expiring or asked to rotate, so running agents pick up fresh certificates without a restart.
 */
export async function initMeshTls(options: InitMeshTlsOptions): Promise<InitMeshTlsResult> {
  const now = options.now ?? new Date();
  const leafDays = options.leafDays ?? 30;
  makePrivateDir(options.dir);
  const caFile = caFileOf(options.dir);
  const caKeyFile = join(options.dir, 'ca.key');
  let ca: IssuedPair;
  let caCreated = false;
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    ca = { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') };
    const subject = new X509Certificate(ca.certPem).subject;
    if (!subject.includes(`CN=${options.trustDomain} mesh CA`))
      throw new MeshError(
        'CONFIG_INVALID',
        `${caFile} is the CA of another trust domain (${subject.split('\n')[0]}); remove ${options.dir} to start over`,
      );
  } else {
    ca = await createCa(options.trustDomain, options.caDays ?? 3650, now);
    writeSecret(caKeyFile, ca.keyPem);
    writeSecret(caFile, ca.certPem);
    caCreated = true;
  }
  const caCertificate = new X509Certificate(ca.certPem);
  const issued: { label: string; reason: string }[] = [];
  const kept: string[] = [];
  for (const workload of options.workloads) {
    const files = workloadFiles(options.dir, workload.identity);
    const label = `${workload.identity.kind}/${workload.identity.name}`;
    const reason = options.rotate ? 'rotate' : renewalReason(files, workload, caCertificate, now);
    if (reason === undefined) {
      kept.push(label);
      continue;
    }
    makePrivateDir(join(options.dir, workload.identity.kind));
    const leaf = await issueLeaf(
      ca,
      { identity: workload.identity, hosts: workload.hosts, validDays: leafDays },
      now,
    );
    writeSecret(files.key, leaf.keyPem);
    writeSecret(files.cert, leaf.certPem);
    issued.push({ label, reason });
  }
  return { dir: options.dir, caFile, caCreated, issued, kept };
}
