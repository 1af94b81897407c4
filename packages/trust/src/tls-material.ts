import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { MeshError } from '@mesh/common';
import type { MeshIdentity } from './identity.js';
import { describeIdentity, identityOfSubjectAltNames } from './identity.js';
import type { TlsSettings } from './tls-settings.js';

/** A process's certificate, key and CA, checked to belong together. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly identity: MeshIdentity;
  readonly notAfter: Date;
  /** SHA-256 fingerprint of the certificate: changes on every re-issue. */
  readonly fingerprint: string;
}

function readPem(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new MeshError('CONFIG_INVALID', `${variable}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Reads and checks the files TLS settings name: the certificate parses, names exactly one mesh identity of
 * the trust domain, matches the key, is signed by the CA and is within its validity. Every failure is a
 * CONFIG_INVALID naming the file, so a misconfigured process stops at start with a clear message.
 */
export function loadTlsMaterial(settings: TlsSettings, now: Date = new Date()): TlsMaterial {
  if (settings.mode === 'off' || !settings.certFile || !settings.keyFile || !settings.caFile)
    throw new MeshError('CONFIG_INVALID', 'TLS material requested while TLS is off');
  const cert = readPem(settings.certFile, 'MCP_MESH_TLS_CERT');
  const key = readPem(settings.keyFile, 'MCP_MESH_TLS_KEY');
  const ca = readPem(settings.caFile, 'MCP_MESH_TLS_CA');
  let certificate: X509Certificate;
  let authority: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error: unknown) {
    throw new MeshError(
      'CONFIG_INVALID',
      `${settings.certFile} is not a PEM certificate: ${(error as Error).message}`,
    );
  }
  try {
    authority = new X509Certificate(ca);
  } catch (error: unknown) {
    throw new MeshError(
      'CONFIG_INVALID',
      `${settings.caFile} is not a PEM certificate: ${(error as Error).message}`,
    );
  }
  const identity = identityOfSubjectAltNames(certificate.subjectAltName);
  if (!identity)
    throw new MeshError(
      'CONFIG_INVALID',
      `${settings.certFile} names no single spiffe://<trust-domain>/agent|operator/<name> identity`,
    );
  if (identity.trustDomain !== settings.trustDomain)
    throw new MeshError(
      'CONFIG_INVALID',
      `${settings.certFile} is for trust domain ${identity.trustDomain}, not MCP_MESH_TRUST_DOMAIN=${settings.trustDomain}`,
    );
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key)))
      throw new Error('the key does not belong to the certificate');
  } catch (error: unknown) {
    throw new MeshError('CONFIG_INVALID', `${settings.keyFile}: ${(error as Error).message}`);
  }
  if (!certificate.verify(authority.publicKey))
    throw new MeshError(
      'CONFIG_INVALID',
      `${settings.certFile} is not signed by the CA in ${settings.caFile}`,
    );
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime())
    throw new MeshError(
      'CONFIG_INVALID',
      `${settings.certFile} (${describeIdentity(identity)}) expired at ${notAfter.toISOString()}; re-issue it with bin/meshctl tls init`,
    );
  return { cert, key, ca, identity, notAfter, fingerprint: certificate.fingerprint256 };
}

function stamp(settings: TlsSettings): string {
  return [settings.certFile, settings.keyFile, settings.caFile]
    .map((file) => {
      try {
        const stat = statSync(file!);
        return `${stat.mtimeMs}:${stat.size}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/**
 * The current TLS material of a process, re-read when its files change (a re-issue by `meshctl tls init`
 * or cert-manager), so certificates rotate without a restart. A re-read that fails keeps the old material
 * and reports the error; listeners hear only of good material.
 */
export class TlsMaterialSource {
  private material: TlsMaterial;
  private lastStamp: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((material: TlsMaterial) => void)[] = [];

  constructor(
    private readonly settings: TlsSettings,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.lastStamp = stamp(settings);
    this.material = loadTlsMaterial(settings);
  }

  get current(): TlsMaterial {
    return this.material;
  }

  /** Calls `listener` with each new material after a successful reload. */
  onChange(listener: (material: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  /** Starts checking the files every `reloadIntervalMs` (an unref'd timer: it never keeps a process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.settings.reloadIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads now if the files changed; returns true when new material was taken. */
  check(): boolean {
    const current = stamp(this.settings);
    if (current === this.lastStamp) return false;
    try {
      const next = loadTlsMaterial(this.settings);
      this.lastStamp = current;
      if (next.fingerprint === this.material.fingerprint && next.ca === this.material.ca) return false;
      this.material = next;
      for (const listener of this.listeners) listener(next);
      return true;
    } catch (error: unknown) {
      // A half-written re-issue is read again at the next tick; the old material stays in use meanwhile.
      this.onError(error);
      return false;
    }
  }
}
