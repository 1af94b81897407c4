import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** `::ffff:127.0.0.1` (how a dual-stack socket reports IPv4 peers) as `127.0.0.1`. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * Parses TRUSTED_PROXIES: comma-separated addresses or CIDR ranges (`127.0.0.1/8,::1`), or `none`. Returns the
 * list and every entry that is neither, so config can refuse to start naming them.
 */
export function parseTrustedProxies(text: string): { list: BlockList; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  if (text.trim().toLowerCase() === 'none') return { list, invalid };
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxPrefix = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= maxPrefix))
    ) {
      invalid.push(entry);
      continue;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return { list, invalid };
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy; then X-Forwarded-For is read
 * from the right (each proxy appends the address it saw), skipping trusted proxies, and the first address not
 * trusted is the client. Entries left of it were written by the client itself and are never believed.
 */
export function clientAddressOf(req: IncomingMessage, trusted: BlockList): string {
  const peer = normalizeAddress(req.socket.remoteAddress ?? '');
  if (peer === '' || !isTrusted(trusted, peer)) return peer === '' ? 'unknown' : peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => normalizeAddress(s.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i]!;
    // A malformed entry ends the chain: what lies left of it cannot be trusted either.
    if (isIP(hop) === 0) return peer;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return hops[0] ?? peer;
}
