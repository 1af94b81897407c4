import { isIP } from 'node:net';

/**
 * Mesh identities: who a certificate speaks for. An identity is a SPIFFE-style URI in the certificate's
 * subject alternative names: `spiffe://<trust-domain>/agent/<name>` for agents (the registry and the gateway
 * included) and `spiffe://<trust-domain>/operator/<name>` for people and tools acting as the operator
 * (`meshctl`). Replicas of one agent share its identity: SPIFFE names workloads, not instances.
 */
export type IdentityKind = 'agent' | 'operator';

export interface MeshIdentity {
  readonly trustDomain: string;
  readonly kind: IdentityKind;
  readonly name: string;
}

/** The registry's agent name: it may act for the operator only through its proxy, which only the operator may use. */
export const REGISTRY_IDENTITY_NAME = 'registry';
/** The operator identity `bin/meshctl tls init` issues for meshctl. */
export const OPERATOR_IDENTITY_NAME = 'meshctl';

const TRUST_DOMAIN = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** True when `value` is usable as a trust domain (lower-case DNS-like name). */
export function isTrustDomain(value: string): boolean {
  return TRUST_DOMAIN.test(value);
}

/** The URI SAN of an identity. */
export function spiffeUri(identity: MeshIdentity): string {
  return `spiffe://${identity.trustDomain}/${identity.kind}/${identity.name}`;
}

/** Parses `spiffe://td/agent/name`; undefined for anything else (other schemes, paths, bad names). */
export function parseSpiffeUri(uri: string): MeshIdentity | undefined {
  const match = /^spiffe:\/\/([^/]+)\/(agent|operator)\/([^/]+)$/.exec(uri);
  if (!match) return undefined;
  const [, trustDomain, kind, name] = match;
  if (!isTrustDomain(trustDomain!) || !NAME.test(name!)) return undefined;
  return { trustDomain: trustDomain!, kind: kind as IdentityKind, name: name! };
}

/** Host names and addresses named in a `subjectaltname` string (as Node's TLS layer renders it). */
export interface SubjectAltNames {
  readonly uris: readonly string[];
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** Splits Node's `subjectaltname` text (`URI:spiffe://…, DNS:localhost, IP Address:127.0.0.1`). */
export function parseSubjectAltNames(text: string | undefined): SubjectAltNames {
  const uris: string[] = [];
  const dns: string[] = [];
  const ips: string[] = [];
  if (text) {
    for (const part of text.split(/,\s*/)) {
      if (part.startsWith('URI:')) uris.push(part.slice(4));
      else if (part.startsWith('DNS:')) dns.push(part.slice(4).toLowerCase());
      else if (part.startsWith('IP Address:')) ips.push(normalizeIp(part.slice(11)));
    }
  }
  return { uris, dns, ips };
}

/**
 * The one mesh identity a certificate names, or undefined when it names none or several (a certificate
 * that speaks for two workloads is refused rather than guessed at).
 */
export function identityOfSubjectAltNames(text: string | undefined): MeshIdentity | undefined {
  const found = parseSubjectAltNames(text)
    .uris.map(parseSpiffeUri)
    .filter((identity): identity is MeshIdentity => identity !== undefined);
  return found.length === 1 ? found[0] : undefined;
}

/** `agent/order-agent` style label for logs, metrics and error messages. */
export function describeIdentity(identity: MeshIdentity | undefined): string {
  return identity === undefined ? 'anonymous' : `${identity.kind}/${identity.name}`;
}

/** Lower-cases and strips IPv6 brackets and IPv4-mapped prefixes so host comparisons are exact. */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return normalizeIp(bare.toLowerCase());
}

function normalizeIp(value: string): string {
  const lower = value.trim().toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  if (lower === '0:0:0:0:0:0:0:1') return '::1';
  return lower;
}

/**
 * True when the certificate's DNS or IP names include `host`. Matching is exact, with one exception: a DNS
 * name `*.<domain>` (at least two labels after the star) covers exactly one left-most label, as in RFC 6125,
 * so replicas that share one certificate can each advertise their own name under their workload's domain
 * (Kubernetes' `<pod-ip>.<service>.<namespace>.svc.<cluster-domain>`). IP addresses never match a wildcard.
 */
export function namesHost(names: SubjectAltNames, host: string): boolean {
  const wanted = normalizeHost(host);
  // A star is a pattern in a certificate, never a host one can advertise.
  if (wanted.includes('*')) return false;
  if (names.dns.includes(wanted) || names.ips.includes(wanted)) return true;
  if (isIP(wanted) !== 0) return false;
  const dot = wanted.indexOf('.');
  const label = wanted.slice(0, dot);
  if (dot <= 0 || label === '*') return false;
  const parent = wanted.slice(dot + 1);
  return names.dns.some(
    (name) => name.startsWith('*.') && name.slice(2) === parent && parent.split('.').length >= 2,
  );
}
