import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ContractOutput, authSigningKeys } from '@mesh/contracts';

/** auth_signing_keys' answer. */
export type KeySetAnswer = ContractOutput<typeof authSigningKeys>;

/** A published key, ready to verify with: its algorithm is the only one a token under its kid may use. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly key: KeyObject;
  /** Epoch ms after which no token it signed is valid: the key is forgotten then. */
  readonly notAfter: number;
}

/** The published keys by kid; a key that is not Ed25519 or has a bad date is left out, not trusted. */
export function verificationKeys(answer: KeySetAnswer): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const published of answer.keys) {
    const notAfter = Date.parse(published.not_after);
    if (published.alg !== 'EdDSA' || !Number.isFinite(notAfter)) continue;
    const key = createPublicKey({ key: { ...published.jwk }, format: 'jwk' });
    if (key.asymmetricKeyType !== 'ed25519') continue;
    keys.set(published.kid, { kid: published.kid, alg: published.alg, key, notAfter });
  }
  return keys;
}
