import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import type { ContractOutput, authSigningKeys } from '@mesh/contracts';

type KeySetAnswer = ContractOutput<typeof authSigningKeys>;
type PublishedKey = KeySetAnswer['keys'][number];

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims a test token carries; anything here overrides the defaults (`null` removes a claim). */
export type TestClaims = Record<string, unknown>;

/**
 * What auth-agent does, for gateway tests and benches: Ed25519 keys with ids, a published key set and tokens
 * signed like auth's (iss `mesh-auth`, aud `mesh`, sub, jti, exp, scope). Each issuer has its own keys.
 */
export class TestTokenIssuer {
  readonly issuer = 'mesh-auth';
  readonly audience = 'mesh';
  private readonly keys: { kid: string; privateKey: KeyObject; published: PublishedKey }[] = [];

  /** `seed`: derive the keys from it, so processes that share it hold the same keys (benches). */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly seed?: string,
  ) {
    this.rotate();
  }

  /** Adds a new signing key (the previous ones stay published) and returns its kid. */
  rotate(): string {
    const { privateKey, publicKey } =
      this.seed === undefined
        ? generateKeyPairSync('ed25519')
        : seededKeyPair(`${this.seed}/${this.keys.length}`);
    const jwk = publicKey.export({ format: 'jwk' });
    const x = String(jwk.x);
    const kid = createHash('sha256')
      .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
      .digest('base64url');
    this.keys.push({
      kid,
      privateKey,
      published: {
        kid,
        alg: 'EdDSA',
        jwk: { kty: 'OKP', crv: 'Ed25519', x },
        not_before: new Date(this.now()).toISOString(),
        not_after: new Date(this.now() + 86_400_000).toISOString(),
      },
    });
    return kid;
  }

  /** The kid tokens are signed with now. */
  get currentKid(): string {
    return this.keys.at(-1)!.kid;
  }

  /** Stops publishing a key (as auth does once its tokens have expired). */
  retire(kid: string): void {
    const index = this.keys.findIndex((key) => key.kid === kid);
    if (index >= 0) this.keys.splice(index, 1);
  }

  /** auth_signing_keys' answer. */
  keySet(): KeySetAnswer {
    return {
      issuer: this.issuer,
      audience: this.audience,
      keys: this.keys.map((key) => ({ ...key.published, jwk: { ...key.published.jwk } })),
    };
  }

  /** A token as auth would sign it; `claims` override (null removes), `header` overrides the header. */
  token(
    subject: { sub: string; scope?: string; ttlSeconds?: number },
    claims: TestClaims = {},
    header: Record<string, unknown> = {},
  ): string {
    const key = this.keys.at(-1)!;
    const issuedAt = Math.floor(this.now() / 1000);
    const payload: TestClaims = {
      sub: subject.sub,
      scope: subject.scope ?? 'orders:write orders:read users:read',
      iss: this.issuer,
      aud: this.audience,
      jti: randomUUID(),
      iat: issuedAt,
      exp: issuedAt + (subject.ttlSeconds ?? 3600),
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === null) delete payload[name];
    const signingInput = `${encode({ alg: 'EdDSA', typ: 'JWT', kid: key.kid, ...header })}.${encode(payload)}`;
    const signature = sign(null, Buffer.from(signingInput), key.privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }
}

/** The jti of a token (no checks: for tests that revoke it). */
export function jtiOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    jti: string;
  };
  return payload.jti;
}

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function seededKeyPair(seed: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const raw = createHash('sha256').update(seed).digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
