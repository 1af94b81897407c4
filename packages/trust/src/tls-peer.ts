import { createSecureContext } from 'node:tls';
import type { PeerCertificate, SecureContext, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { MeshIdentity, SubjectAltNames } from './identity.js';
import { describeIdentity, identityOfSubjectAltNames, parseSubjectAltNames } from './identity.js';
import type { Decision } from './policy.js';
import type { TlsMaterial } from './tls-material.js';

/** What a server learns of the party at the other end of a connection. */
export type PeerAuthentication =
  | {
      readonly authenticated: true;
      readonly identity: MeshIdentity;
      /** The hosts the certificate names: where this identity may serve (and register endpoints). */
      readonly names: SubjectAltNames;
    }
  | { readonly authenticated: false; readonly reason: string };

const cache = new WeakMap<Socket, PeerAuthentication>();

/**
 * Server options for mTLS: the client certificate is requested but not demanded at the handshake, so probes
 * (`/health`, `/ready`, `/metrics`) stay reachable over TLS without one, while every protected route checks
 * `authenticatePeer` and answers 401 with the reason.
 */
export function serverTlsOptions(material: TlsMaterial) {
  return {
    key: material.key,
    cert: material.cert,
    ca: material.ca,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2' as const,
  };
}

/**
 * The identity a connection's client certificate proves, checked against the mesh CA (expired, foreign-CA
 * and self-signed certificates are refused with OpenSSL's reason). Remembered per socket: keep-alive
 * connections pay for the parse once.
 */
export function authenticatePeer(socket: Socket): PeerAuthentication {
  const known = cache.get(socket);
  if (known) return known;
  const tlsSocket = socket as TLSSocket;
  let result: PeerAuthentication;
  if (typeof tlsSocket.getPeerCertificate !== 'function') {
    result = { authenticated: false, reason: 'plain connection: mTLS is required' };
  } else if (!tlsSocket.authorized) {
    const peer: PeerCertificate | Record<string, never> = tlsSocket.getPeerCertificate();
    const hasCertificate = peer && Object.keys(peer).length > 0;
    result = {
      authenticated: false,
      reason: hasCertificate
        ? `client certificate refused: ${String(tlsSocket.authorizationError ?? 'not trusted')}`
        : 'no client certificate',
    };
  } else {
    const altNames = tlsSocket.getPeerCertificate().subjectaltname;
    const identity = identityOfSubjectAltNames(altNames);
    result = identity
      ? { authenticated: true, identity, names: parseSubjectAltNames(altNames) }
      : { authenticated: false, reason: 'client certificate names no mesh identity' };
  }
  cache.set(socket, result);
  return result;
}

/**
 * Client options for mTLS. The peer is checked by its mesh identity instead of its host name (endpoints are
 * addresses the registry hands out; the identity is what the policy speaks of): `expectPeer` decides, e.g.
 * "an agent allowed to provide payment_process". A refused peer fails the handshake before a byte is sent.
 */
export function clientTlsOptions(material: TlsMaterial, expectPeer?: (identity: MeshIdentity) => Decision) {
  return {
    key: material.key,
    cert: material.cert,
    ca: material.ca,
    minVersion: 'TLSv1.2' as const,
    checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
      const identity = identityOfSubjectAltNames(cert.subjectaltname);
      if (!identity) return new PeerIdentityError('server certificate names no mesh identity');
      if (identity.trustDomain !== material.identity.trustDomain)
        return new PeerIdentityError(
          `server ${describeIdentity(identity)} is of trust domain ${identity.trustDomain}, not ${material.identity.trustDomain}`,
        );
      const verdict = expectPeer?.(identity);
      if (verdict && !verdict.allowed) return new PeerIdentityError(verdict.reason);
      return undefined;
    },
  };
}

const pooledContexts = new WeakMap<TlsMaterial, SecureContext>();

/**
 * `clientTlsOptions` for a keep-alive pool (an https.Agent that lives as long as its material): the same
 * checks, with the key, certificate and CA as one context built once per material. Given as PEMs, Node builds
 * a context per connection (parsing all three: about a millisecond each time on these machines) and
 * https.Agent joins the three PEMs into the pool name it computes for every request. Rotation brings new
 * material, hence a new context and, in the runtime, new pools. Unlike `clientTlsOptions`, the CA cannot be
 * overridden by spreading `ca` over the result.
 */
export function pooledClientTlsOptions(
  material: TlsMaterial,
  expectPeer?: (identity: MeshIdentity) => Decision,
) {
  let secureContext = pooledContexts.get(material);
  if (!secureContext) {
    secureContext = createSecureContext({
      key: material.key,
      cert: material.cert,
      ca: material.ca,
      minVersion: 'TLSv1.2',
    });
    pooledContexts.set(material, secureContext);
  }
  const { checkServerIdentity, minVersion } = clientTlsOptions(material, expectPeer);
  return { secureContext, minVersion, checkServerIdentity };
}

/** A peer check for `clientTlsOptions`: the peer must be the agent `name` (`description` names it in refusals). */
export function expectAgent(name: string, description = name): (peer: MeshIdentity) => Decision {
  return (peer) =>
    peer.kind === 'agent' && peer.name === name
      ? { allowed: true }
      : { allowed: false, reason: `${describeIdentity(peer)} is not ${description}` };
}

/** A server whose certificate names the wrong mesh identity; nothing was sent to it. */
export class PeerIdentityError extends Error {
  readonly code = 'PEER_IDENTITY_REJECTED';
  constructor(message: string) {
    super(message);
    this.name = 'PeerIdentityError';
  }
}
