import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import type { MeshIdentity } from '../identity.js';
import { spiffeUri } from '../identity.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** ECDSA P-256 with SHA-256: small keys, fast handshakes, supported by every TLS stack. */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A PEM certificate and its PKCS#8 PEM key. */
export interface IssuedPair {
  readonly certPem: string;
  readonly keyPem: string;
}

function serialNumber(): string {
  // Positive 128-bit serial (first bit cleared), as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

type KeyPair = webcrypto.CryptoKeyPair;
type SigningKey = Extract<
  Parameters<typeof x509.X509CertificateGenerator.create>[0],
  { signingKey: unknown }
>['signingKey'];
type PublicKey = Extract<
  Parameters<typeof x509.X509CertificateGenerator.create>[0],
  { signingKey: unknown }
>['publicKey'];

async function keyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A self-signed mesh CA for one trust domain, allowed to sign leaf certificates only (path length 0). */
export async function createCa(
  trustDomain: string,
  validDays: number,
  now = new Date(),
  commonName = `${trustDomain} mesh CA`,
): Promise<IssuedPair> {
  const keys = await keyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}, O=agent-mesh`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + validDays * 86_400_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as PublicKey),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}

/** What a leaf certificate is for: whom it names, where it may serve, how long it lives. */
export interface LeafRequest {
  /** The mesh identity (URI SAN); absent for a plain server certificate (the public edge's). */
  readonly identity?: MeshIdentity;
  /** DNS names and IP addresses the workload may be reached at (and may register as its endpoint). */
  readonly hosts: readonly string[];
  readonly validDays: number;
  /** Issue already expired (for tests of expiry handling). */
  readonly expired?: boolean;
}

/**
 * A leaf certificate signed by the CA: the SPIFFE URI SAN names the identity, DNS/IP SANs name the hosts,
 * and it serves as both TLS server and client (every agent is both).
 */
export async function issueLeaf(ca: IssuedPair, request: LeafRequest, now = new Date()): Promise<IssuedPair> {
  const caCertificate = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.keyPem),
    ALGORITHM,
    false,
    ['sign'],
  );
  const keys = await keyPair();
  const names: x509.JsonGeneralName[] = request.identity
    ? [{ type: 'url', value: spiffeUri(request.identity) }]
    : [];
  for (const host of request.hosts) names.push({ type: isIP(host) ? 'ip' : 'dns', value: host });
  const start = request.expired ? now.getTime() - 2 * 86_400_000 : now.getTime() - 60_000;
  const end = request.expired ? now.getTime() - 86_400_000 : now.getTime() + request.validDays * 86_400_000;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: request.identity
      ? `CN=${request.identity.name}, OU=${request.identity.kind}, O=agent-mesh`
      : `CN=${request.hosts[0] ?? 'edge'}, OU=edge, O=agent-mesh`,
    issuer: caCertificate.subject,
    notBefore: new Date(start),
    notAfter: new Date(end),
    signingKey: caKey as unknown as SigningKey,
    publicKey: keys.publicKey as unknown as PublicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate, false),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}
