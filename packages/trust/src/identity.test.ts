import { describe, expect, it } from 'vitest';
import {
  identityOfSubjectAltNames,
  namesHost,
  parseSpiffeUri,
  parseSubjectAltNames,
  spiffeUri,
} from './identity.js';

describe('identities', () => {
  it('round-trips a SPIFFE URI', () => {
    const identity = parseSpiffeUri('spiffe://mesh.local/agent/order-agent');
    expect(identity).toEqual({ trustDomain: 'mesh.local', kind: 'agent', name: 'order-agent' });
    expect(spiffeUri(identity!)).toBe('spiffe://mesh.local/agent/order-agent');
  });

  it('rejects other schemes, kinds and paths', () => {
    for (const uri of [
      'https://mesh.local/agent/x',
      'spiffe://mesh.local/admin/x',
      'spiffe://mesh.local/agent/x/y',
      'spiffe://MESH/agent/x',
      'spiffe://mesh.local/agent/',
    ])
      expect(parseSpiffeUri(uri)).toBeUndefined();
  });

  it('finds the one identity of a certificate and refuses two', () => {
    expect(identityOfSubjectAltNames('DNS:localhost, URI:spiffe://mesh.local/operator/meshctl')?.kind).toBe(
      'operator',
    );
    expect(
      identityOfSubjectAltNames('URI:spiffe://mesh.local/agent/a, URI:spiffe://mesh.local/agent/b'),
    ).toBeUndefined();
    expect(identityOfSubjectAltNames(undefined)).toBeUndefined();
  });

  it('matches hosts exactly, IPv6 and mapped IPv4 included', () => {
    const names = parseSubjectAltNames('DNS:Localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(namesHost(names, 'localhost')).toBe(true);
    expect(namesHost(names, '::ffff:127.0.0.1')).toBe(true);
    expect(namesHost(names, '[::1]')).toBe(true);
    expect(namesHost(names, 'metadata.google.internal')).toBe(false);
    expect(namesHost(names, '127.0.0.2')).toBe(false);
  });

  it('honours a wildcard DNS name for exactly one left-most label', () => {
    const names = parseSubjectAltNames('DNS:*.order-agent.mesh.svc.cluster.local, DNS:order-agent');
    expect(namesHost(names, '10-1-2-3.order-agent.mesh.svc.cluster.local')).toBe(true);
    expect(namesHost(names, 'POD.Order-Agent.mesh.svc.cluster.local')).toBe(true);
    expect(namesHost(names, 'order-agent')).toBe(true);
    expect(namesHost(names, 'order-agent.mesh.svc.cluster.local')).toBe(false);
    expect(namesHost(names, 'a.b.order-agent.mesh.svc.cluster.local')).toBe(false);
    expect(namesHost(names, '.order-agent.mesh.svc.cluster.local')).toBe(false);
    expect(namesHost(names, '*.order-agent.mesh.svc.cluster.local')).toBe(false);
    expect(namesHost(names, '10.1.2.3')).toBe(false);
  });

  it('ignores wildcards that are not a whole left-most label or that cover a top-level domain', () => {
    const names = parseSubjectAltNames('DNS:pod*.order-agent.mesh, DNS:*.local, DNS:a.*.mesh');
    expect(namesHost(names, 'pod1.order-agent.mesh')).toBe(false);
    expect(namesHost(names, 'mesh.local')).toBe(false);
    expect(namesHost(names, 'a.b.mesh')).toBe(false);
  });
});
