import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { MeshError } from '@mesh/common';

/** The one JWS algorithm access tokens use: Ed25519 (RFC 8037). */
export const TOKEN_ALGORITHM = 'EdDSA';

/** An Ed25519 public key as a JWK (RFC 8037). */
export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

/** A key pair of the signer, or (privateKey undefined) only the public half, to verify with. */
export interface SigningKey {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject | undefined;
  /** Signs from here (epoch ms)… */
  readonly notBefore: number;
  /** …until here (epoch ms): tokens it signed expire by this plus the token lifetime. */
  readonly signUntil: number;
}

/** The public JWK of an Ed25519 key. */
export function publicJwkOf(key: KeyObject): PublicJwk {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new MeshError('CONFIG_INVALID', 'token signing keys must be Ed25519');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

/** The key id: the key's JWK thumbprint (RFC 7638), so every replica names one key the same way. */
export function keyIdOf(jwk: PublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A fresh Ed25519 key pair as PKCS#8 PEM (private) and JWK (public). */
export function generateSigningKeyPair(): { privatePem: string; publicJwk: PublicJwk } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privatePem, publicJwk: publicJwkOf(publicKey) };
}

/** Parses an Ed25519 private key in PEM; CONFIG_INVALID naming what it is otherwise. */
export function parsePrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error: unknown) {
    throw new MeshError('CONFIG_INVALID', `${source} is not a private key in PEM`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new MeshError(
      'CONFIG_INVALID',
      `${source} is a ${key.asymmetricKeyType ?? 'symmetric'} key; tokens are signed with Ed25519 ` +
        '(openssl genpkey -algorithm ed25519)',
    );
  }
  return key;
}

/** The public KeyObject of a JWK. */
export function publicKeyOf(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: { ...jwk }, format: 'jwk' });
}
