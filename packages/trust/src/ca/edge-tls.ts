import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createCa, issueLeaf } from './certificates.js';
import type { IssuedPair } from './certificates.js';
import { hasAThirdLeft, makePrivateDir, writeSecret } from './private-files.js';

export interface InitEdgeTlsOptions {
  readonly dir: string;
  /** Public host names and addresses the edge answers on (`localhost`, `127.0.0.1`, `shop.example.com`). */
  readonly hosts: readonly string[];
  /** Validity of the server certificate (default 90 days); re-issued when a third is left. */
  readonly days?: number;
  readonly now?: Date;
}

export interface InitEdgeTlsResult {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly issued: boolean;
}

function current(certFile: string, ca: X509Certificate, hosts: readonly string[], now: Date): boolean {
  if (!existsSync(certFile)) return false;
  const certificate = new X509Certificate(readFileSync(certFile));
  if (!certificate.verify(ca.publicKey)) return false;
  const names = (certificate.subjectAltName ?? '')
    .split(', ')
    .map((name) => name.replace(/^(DNS|IP Address):/, ''));
  if (names.length !== hosts.length || !hosts.every((host) => names.includes(host))) return false;
  return hasAThirdLeft(certificate, now);
}

/**
 * The public edge's TLS (nginx in compose): a server certificate for the edge's host names from an edge CA of
 * its own, never the mesh CA, and without any mesh identity, so the internet-facing proxy holds nothing that
 * opens the mesh. For development and single-host use; in production the edge's certificate comes from a public
 * CA. Idempotent like `initMeshTls`: kept while current, re-issued when the hosts change or it is expiring.
 */
export async function initEdgeTls(options: InitEdgeTlsOptions): Promise<InitEdgeTlsResult> {
  const now = options.now ?? new Date();
  makePrivateDir(options.dir);
  const caFile = join(options.dir, 'edge-ca.crt');
  const caKeyFile = join(options.dir, 'edge-ca.key');
  const certFile = join(options.dir, 'edge.crt');
  const keyFile = join(options.dir, 'edge.key');
  let ca: IssuedPair;
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    ca = { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') };
  } else {
    ca = await createCa('edge', 3650, now, 'agent-mesh edge CA');
    writeSecret(caKeyFile, ca.keyPem);
    writeSecret(caFile, ca.certPem);
  }
  if (current(certFile, new X509Certificate(ca.certPem), options.hosts, now))
    return { caFile, certFile, keyFile, issued: false };
  const leaf = await issueLeaf(ca, { hosts: options.hosts, validDays: options.days ?? 90 }, now);
  writeSecret(keyFile, leaf.keyPem);
  writeSecret(certFile, leaf.certPem);
  return { caFile, certFile, keyFile, issued: true };
}
