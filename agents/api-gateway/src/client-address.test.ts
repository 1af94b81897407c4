import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, normalizeAddress, parseTrustedProxies } from './client-address.js';

function request(peer: string | undefined, forwarded?: string | string[]): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  } as unknown as IncomingMessage;
}

const trusted = parseTrustedProxies('127.0.0.0/8, ::1, 10.0.0.0/8').list;

describe('client address', () => {
  it("is the socket's peer when the peer is not a trusted proxy, whatever it forwards", () => {
    expect(clientAddressOf(request('198.51.100.7', '203.0.113.9'), trusted)).toBe('198.51.100.7');
    expect(clientAddressOf(request('::ffff:198.51.100.7'), trusted)).toBe('198.51.100.7');
    expect(clientAddressOf(request(undefined), trusted)).toBe('unknown');
  });

  it('reads X-Forwarded-For from the right behind trusted proxies, never believing what the client wrote', () => {
    // The client wrote 192.0.2.1; nginx appended the address it saw (203.0.113.9); an inner proxy (10.0.0.4).
    expect(clientAddressOf(request('127.0.0.1', '192.0.2.1, 203.0.113.9, 10.0.0.4'), trusted)).toBe(
      '203.0.113.9',
    );
    expect(clientAddressOf(request('10.0.0.2', ['192.0.2.1', '203.0.113.9']), trusted)).toBe('203.0.113.9');
    expect(clientAddressOf(request('::1', '2001:db8::7'), trusted)).toBe('2001:db8::7');
  });

  it('falls back to the peer for a trusted proxy without a usable header', () => {
    expect(clientAddressOf(request('127.0.0.1'), trusted)).toBe('127.0.0.1');
    expect(clientAddressOf(request('127.0.0.1', 'not-an-ip'), trusted)).toBe('127.0.0.1');
    expect(clientAddressOf(request('127.0.0.1', '10.0.0.9'), trusted)).toBe('10.0.0.9');
  });

  it('parses addresses and ranges and names the entries it cannot read', () => {
    expect(parseTrustedProxies('none').list.check('127.0.0.1', 'ipv4')).toBe(false);
    expect(parseTrustedProxies('10.0.0.0/8,::1/128,fe80::/10').invalid).toEqual([]);
    expect(parseTrustedProxies('nginx, 10.0.0.0/33, ::1/129, 1.2.3.4/x').invalid).toEqual([
      'nginx',
      '10.0.0.0/33',
      '::1/129',
      '1.2.3.4/x',
    ]);
    expect(normalizeAddress('::FFFF:10.1.2.3')).toBe('10.1.2.3');
  });
});
