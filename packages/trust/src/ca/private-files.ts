import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { dirname } from 'node:path';

/**
 * Makes `dir` 0700. Only that directory is private: parents made here keep the usual mode (a MESH_HOME made by
 * the first start must stay reachable for services running as other users, e.g. embedded PostgreSQL).
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes 0600 through a temporary file and a rename, so a process reloading certificates never reads half a file. */
export function writeSecret(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** Whether at least a third of the certificate's validity is left: past that it is re-issued. */
export function hasAThirdLeft(certificate: X509Certificate, now: Date): boolean {
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  return to - now.getTime() >= (to - from) / 3;
}
