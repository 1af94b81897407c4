import { createPrivateKey, type KeyObject } from 'node:crypto';
import { MeshError, silentLogger, type Logger } from '@mesh/common';
import {
  TOKEN_ALGORITHM,
  generateSigningKeyPair,
  keyIdOf,
  publicJwkOf,
  publicKeyOf,
  type PublicJwk,
  type SigningKey,
} from './signing-key.js';
import type { SigningKeyStore } from './signing-key-store.js';

/** How long a configured key's lease in auth_db runs; replicas using it extend it at every refresh. */
export const CONFIGURED_KEY_LEASE_MS = 10 * 60_000;
/** Longest pause between refreshes (creating the next period's key, extending a lease, reloading). */
const MAX_REFRESH_INTERVAL_MS = 60_000;
/** An unknown kid reloads the keys from auth_db at most this often (a flood of forged kids costs nothing). */
const UNKNOWN_KID_RELOAD_MS = 1_000;

export interface SigningKeysOptions {
  /** auth_db (PgSigningKeyStore), shared by every replica. */
  readonly store: SigningKeyStore;
  /** A generated key signs for one period of this length, then the next one takes over. */
  readonly rotationMs: number;
  /** Token lifetime: a key stays published this long (plus the tolerance) after it last signed. */
  readonly tokenTtlSeconds: number;
  readonly clockToleranceSeconds: number;
  /** JWT_PRIVATE_KEY(_FILE): sign with this key only; it rotates when the operator replaces it. */
  readonly configuredKey?: KeyObject | undefined;
  /** Epoch milliseconds; tests move it. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** A key as auth_signing_keys publishes it. */
export interface PublishedKey {
  readonly kid: string;
  readonly alg: typeof TOKEN_ALGORITHM;
  readonly jwk: PublicJwk;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The signing keys every replica shares through auth_db: the one to sign with, and those that still verify. */
export interface SigningKeys {
  /** The key to sign with now; crossing into a new period loads (or creates) its key first. */
  current(): Promise<SigningKey>;
  /** A key that may still verify tokens; an unknown kid reloads from auth_db (rate-limited). */
  find(kid: string): Promise<SigningKey | undefined>;
  /** Current, next (published before it signs) and previous keys until every token they signed expired. */
  published(): Promise<PublishedKey[]>;
  /** Creates the current and next periods' keys (or extends the configured key's lease) and reloads them. */
  refresh(): Promise<void>;
  /** Refreshes in the background (at least every minute) until `close`. */
  start(): void;
  close(): void;
}

/**
 * Signing keys shared by replicas. Generated keys (the default) are created once per rotation period by whichever
 * replica gets there first (INSERT … ON CONFLICT DO NOTHING on the period, then everyone reads the winner), the
 * next period's key one period ahead so verifiers hold it before its first token. A configured key is recorded
 * (public half only) with a lease the replicas extend, so once the operator replaces it the old public key stays
 * published until the tokens it signed have expired.
 */
export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  const { store, rotationMs, configuredKey } = options;
  const validAfterSigningMs = (options.tokenTtlSeconds + options.clockToleranceSeconds) * 1000;
  const configured = configuredKey === undefined ? undefined : configuredSigningKey(configuredKey);
  let keys = new Map<string, SigningKey>();
  let inflight: Promise<void> | undefined;
  let lastUnknownReload = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;

  const periodStart = (at: number) => Math.floor(at / rotationMs) * rotationMs;
  const notAfter = (key: SigningKey) => key.signUntil + validAfterSigningMs;
  const usableNow = (key: SigningKey | undefined): key is SigningKey =>
    key !== undefined && notAfter(key) > now();

  function signingKeyNow(): SigningKey | undefined {
    const at = now();
    if (configured !== undefined) {
      const recorded = keys.get(configured.kid);
      // Sign only within the lease recorded in auth_db, so the published not_after covers every token.
      return recorded !== undefined && at < recorded.signUntil
        ? { ...recorded, privateKey: configured.privateKey }
        : undefined;
    }
    const start = periodStart(at);
    for (const key of keys.values()) {
      if (key.notBefore === start && key.privateKey !== undefined && at < key.signUntil) return key;
    }
    return undefined;
  }

  async function createPeriodKey(start: number): Promise<void> {
    const { privatePem, publicJwk } = generateSigningKeyPair();
    await store.insertPeriodKey({
      kid: keyIdOf(publicJwk),
      publicJwk,
      privateKeyPem: privatePem,
      notBefore: new Date(start),
      signUntil: new Date(start + rotationMs),
    });
  }

  async function extendConfiguredLease(key: { kid: string; publicJwk: PublicJwk }): Promise<void> {
    const at = now();
    await store.extendLease({
      kid: key.kid,
      publicJwk: key.publicJwk,
      notBefore: new Date(at),
      signUntil: new Date(at + CONFIGURED_KEY_LEASE_MS),
    });
  }

  async function reload(): Promise<void> {
    const rows = await store.load(new Date(now() - validAfterSigningMs));
    const next = new Map<string, SigningKey>();
    for (const row of rows) {
      const known = keys.get(row.kid);
      next.set(row.kid, {
        kid: row.kid,
        publicJwk: row.publicJwk,
        publicKey: known?.publicKey ?? publicKeyOf(row.publicJwk),
        privateKey:
          known?.privateKey ?? (row.privateKeyPem === null ? undefined : createPrivateKey(row.privateKeyPem)),
        notBefore: row.notBefore.getTime(),
        signUntil: row.signUntil.getTime(),
      });
    }
    keys = next;
  }

  async function refreshOnce(): Promise<void> {
    if (configured !== undefined) {
      await extendConfiguredLease(configured);
    } else {
      const start = periodStart(now());
      const have = new Set([...keys.values()].map((key) => key.notBefore));
      for (const period of [start, start + rotationMs]) {
        if (!have.has(period)) await createPeriodKey(period);
      }
    }
    await reload();
  }

  function refresh(): Promise<void> {
    // One refresh at a time: a burst of logins at a period change waits for the same query.
    inflight ??= refreshOnce().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return {
    async current() {
      const ready = signingKeyNow();
      if (ready !== undefined) return ready;
      await refresh();
      const key = signingKeyNow();
      if (key === undefined)
        throw new MeshError('STORAGE_ERROR', 'no token signing key for the current period');
      return key;
    },

    async find(kid) {
      const known = keys.get(kid);
      if (usableNow(known)) return known;
      if (now() - lastUnknownReload < UNKNOWN_KID_RELOAD_MS) return undefined;
      lastUnknownReload = now();
      await refresh();
      const reloaded = keys.get(kid);
      return usableNow(reloaded) ? reloaded : undefined;
    },

    async published() {
      if (keys.size === 0) await refresh();
      const at = now();
      return [...keys.values()]
        .filter((key) => notAfter(key) > at && key.notBefore <= at + rotationMs)
        .map((key) => ({
          kid: key.kid,
          alg: TOKEN_ALGORITHM,
          jwk: key.publicJwk,
          notBefore: new Date(key.notBefore),
          notAfter: new Date(notAfter(key)),
        }));
    },

    refresh,

    start() {
      if (timer !== undefined) return;
      const interval = Math.max(1_000, Math.min(MAX_REFRESH_INTERVAL_MS, Math.floor(rotationMs / 4)));
      timer = setInterval(() => {
        refresh().catch((error: unknown) =>
          logger.warn({ err: error }, 'token signing keys: refresh failed; signing with the keys held'),
        );
      }, interval);
      timer.unref();
    },

    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

function configuredSigningKey(privateKey: KeyObject): {
  kid: string;
  publicJwk: PublicJwk;
  privateKey: KeyObject;
} {
  const publicJwk = publicJwkOf(privateKey);
  return { kid: keyIdOf(publicJwk), publicJwk, privateKey };
}
