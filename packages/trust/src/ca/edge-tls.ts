import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createCa, issueLeaf } from './certificates.js';
import type { IssuedPair } from './certificates.js';

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

function write(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function current(certFile: string, ca: X509Certificate, hosts: readonly string[], now: Date): boolean {
  if (!existsSync(certFile)) return false;
  const certificate = new X509Certificate(readFileSync(certFile));
  if (!certificate.verify(ca.publicKey)) return false;
  const names = (certificate.subjectAltName ?? '')
    .split(', ')
    .map((name) => name.replace(/^(DNS|IP Address):/, ''));
  if (names.length !== hosts.length || !hosts.every((host) => names.includes(host))) return false;
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  return to - now.getTime() >= (to - from) / 3;
}

/**
 * The public edge's TLS (nginx in compose): a server certificate for the edge's host names from an edge CA of
 * its own, never the mesh CA, and without any mesh identity, so the internet-facing proxy holds nothing that
 * opens the mesh. For development and single-host use; in production the edge's certificate comes from a public
 * CA. Idempotent like `initMeshTls`: kept while current, re-issued when the hosts change or it is expiring.
 */
export async function initEdgeTls(options: InitEdgeTlsOptions): Promise<InitEdgeTlsResult> {
  const now = options.now ?? new Date();
  mkdirSync(dirname(options.dir), { recursive: true });
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  chmodSync(options.dir, 0o700);
  const caFile = join(options.dir, 'edge-ca.crt');
  const caKeyFile = join(options.dir, 'edge-ca.key');
  const certFile = join(options.dir, 'edge.crt');
  const keyFile = join(options.dir, 'edge.key');
  let ca: IssuedPair;
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    ca = { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') };
  } else {
    ca = await createCa('edge', 3650, now, 'agent-mesh edge CA');
    write(caKeyFile, ca.keyPem);
    write(caFile, ca.certPem);
  }
  if (current(certFile, new X509Certificate(ca.certPem), options.hosts, now))
    return { caFile, certFile, keyFile, issued: false };
  const leaf = await issueLeaf(ca, { hosts: options.hosts, validDays: options.days ?? 90 }, now);
  write(keyFile, leaf.keyPem);
  write(certFile, leaf.certPem);
  return { caFile, certFile, keyFile, issued: true };
}
