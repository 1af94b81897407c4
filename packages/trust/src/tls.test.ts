import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, initEdgeTls, initMeshTls, issueLeaf, workloadFiles } from './ca/index.js';
import type { MeshIdentity } from './identity.js';
import type { Decision } from './policy.js';
import { TlsMaterialSource, loadTlsMaterial } from './tls-material.js';
import type { TlsMaterial } from './tls-material.js';
import { authenticatePeer, clientTlsOptions, pooledClientTlsOptions, serverTlsOptions } from './tls-peer.js';
import { toTlsSettings, tlsEnvSchema } from './tls-settings.js';
import type { TlsSettings } from './tls-settings.js';

const TD = 'mesh.local';
const hosts = ['localhost', '127.0.0.1'];
const id = (name: string, kind: 'agent' | 'operator' = 'agent'): MeshIdentity => ({
  trustDomain: TD,
  kind,
  name,
});

let dir: string;
let server: https.Server;
let port: number;

function settingsFor(identity: MeshIdentity): TlsSettings {
  const files = workloadFiles(dir, identity);
  return toTlsSettings(
    tlsEnvSchema.parse({
      MCP_MESH_TLS_MODE: 'strict',
      MCP_MESH_TLS_CERT: files.cert,
      MCP_MESH_TLS_KEY: files.key,
      MCP_MESH_TLS_CA: join(dir, 'ca.crt'),
    }),
  );
}

function call(
  material: Pick<TlsMaterial, 'cert' | 'key' | 'ca' | 'identity'> | undefined,
  expect?: (identity: MeshIdentity) => Decision,
): Promise<{ status: number; body: string }> {
  const tls = material
    ? clientTlsOptions(material as TlsMaterial, expect)
    : { ca: readFileSync(join(dir, 'ca.crt')) };
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', agent: false, ...tls }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
  await initMeshTls({
    dir,
    trustDomain: TD,
    workloads: [
      { identity: id('payment-agent'), hosts },
      { identity: id('order-agent'), hosts },
      { identity: id('meshctl', 'operator'), hosts: [] },
    ],
  });
  const material = loadTlsMaterial(settingsFor(id('payment-agent')));
  server = https.createServer(serverTlsOptions(material), (req, res) => {
    const peer = authenticatePeer(req.socket);
    res.writeHead(peer.authenticated ? 200 : 401);
    res.end(peer.authenticated ? `${peer.identity.kind}/${peer.identity.name}` : peer.reason);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** GET / on the loopback port through `agent`, answering the body as text. */
function getText(port: number, agent: https.Agent): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('mesh TLS', () => {
  it('writes the CA and keys 0600 in a 0700 directory, leaving the parents it makes reachable', async () => {
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const home = join(dir, 'new-home');
    await initMeshTls({ dir: join(home, 'tls'), trustDomain: TD, workloads: [] });
    expect(statSync(home).mode & 0o055).toBe(0o055 & ~process.umask());
    expect(statSync(join(home, 'tls')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(workloadFiles(dir, id('order-agent')).key).mode & 0o777).toBe(0o600);
  });

  it('authenticates a client by the identity in its certificate', async () => {
    const material = loadTlsMaterial(settingsFor(id('order-agent')));
    expect(await call(material)).toEqual({ status: 200, body: 'agent/order-agent' });
  });

  it('answers a client without a certificate 401, naming why', async () => {
    expect(await call(undefined)).toEqual({ status: 401, body: 'no client certificate' });
  });

  it('refuses an expired client certificate', async () => {
    const ca = {
      certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'ca.key'), 'utf8'),
    };
    const leaf = await issueLeaf(ca, { identity: id('order-agent'), hosts, validDays: 1, expired: true });
    const answer = await call({
      cert: leaf.certPem,
      key: leaf.keyPem,
      ca: ca.certPem,
      identity: id('order-agent'),
    });
    expect(answer).toEqual({ status: 401, body: 'client certificate refused: CERT_HAS_EXPIRED' });
  });

  it('refuses a certificate from a foreign CA that names a mesh identity', async () => {
    const foreign = await createCa(TD, 1);
    const leaf = await issueLeaf(foreign, { identity: id('order-agent'), hosts, validDays: 1 });
    const answer = await call({
      cert: leaf.certPem,
      key: leaf.keyPem,
      ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      identity: id('order-agent'),
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatch(/^client certificate refused: /);
  });

  it('fails the handshake when the server names an identity the client does not expect', async () => {
    const material = loadTlsMaterial(settingsFor(id('order-agent')));
    const onlyUsers = (identity: MeshIdentity): Decision =>
      identity.name === 'user-agent'
        ? { allowed: true }
        : { allowed: false, reason: `${identity.name} may not provide user_get` };
    await expect(call(material, onlyUsers)).rejects.toThrow('payment-agent may not provide user_get');
  });

  it('gives pools one prepared context, so neither a connection nor a pooled request handles the PEMs', async () => {
    const material = loadTlsMaterial(settingsFor(id('order-agent')));
    const options = pooledClientTlsOptions(material);
    expect(options).not.toHaveProperty('key');
    expect(options).not.toHaveProperty('ca');
    expect(pooledClientTlsOptions(material).secureContext).toBe(options.secureContext);
    const agent = new https.Agent({ keepAlive: true, ...options });
    const name = agent.getName({ host: '127.0.0.1', port });
    expect(name).not.toContain('PRIVATE KEY');
    expect(name.length).toBeLessThan(100);
    const answer = await getText(port, agent);
    agent.destroy();
    expect(answer).toBe('agent/order-agent');
  });

  it('reads the client certificate once per connection, however many requests it carries', async () => {
    const serverSockets = new Set<TLSSocket>();
    const onSecure = (socket: TLSSocket): void => void serverSockets.add(socket);
    server.on('secureConnection', onSecure);
    let reads = 0;
    const original = TLSSocket.prototype.getPeerCertificate;
    TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
      if (serverSockets.has(this)) reads++;
      return original.call(this, detailed);
    } as typeof original;
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: 1,
      ...pooledClientTlsOptions(loadTlsMaterial(settingsFor(id('order-agent')))),
    });
    try {
      for (let n = 0; n < 5; n++) {
        const answer = await getText(port, agent);
        expect(answer).toBe('agent/order-agent');
      }
    } finally {
      TLSSocket.prototype.getPeerCertificate = original;
      agent.destroy();
      server.off('secureConnection', onSecure);
    }
    expect(serverSockets.size).toBe(1);
    expect(reads).toBe(1);
  });

  it('checks the provider by identity through a pool as well', async () => {
    const material = loadTlsMaterial(settingsFor(id('order-agent')));
    const agent = new https.Agent(
      pooledClientTlsOptions(material, () => ({ allowed: false, reason: 'not this one' })),
    );
    const failure = new Promise<Error>((resolve) => {
      https.get({ host: '127.0.0.1', port, path: '/', agent }, () => undefined).on('error', resolve);
    });
    await expect(failure).resolves.toMatchObject({ message: 'not this one' });
    agent.destroy();
  });

  it('refuses to load a certificate that does not match its key, or an expired one', async () => {
    const settings = settingsFor(id('order-agent'));
    const other = workloadFiles(dir, id('payment-agent'));
    expect(() => loadTlsMaterial({ ...settings, keyFile: other.key })).toThrow(
      /does not belong to the certificate/,
    );
    expect(() => loadTlsMaterial(settings, new Date(Date.now() + 400 * 86_400_000))).toThrow(/expired at/);
  });

  it('re-issues only what is due and reloads rotated files', async () => {
    const settings = settingsFor(id('order-agent'));
    const source = new TlsMaterialSource(settings);
    const before = source.current.fingerprint;
    const again = await initMeshTls({
      dir,
      trustDomain: TD,
      workloads: [{ identity: id('order-agent'), hosts }],
    });
    expect(again.issued).toEqual([]);
    expect(source.check()).toBe(false);
    const rotated = await initMeshTls({
      dir,
      trustDomain: TD,
      workloads: [{ identity: id('order-agent'), hosts }],
      rotate: true,
    });
    expect(rotated.issued).toEqual([{ label: 'agent/order-agent', reason: 'rotate' }]);
    // Same-second rewrites can keep the size and mtime; touch the stamp the way a slower re-issue would.
    writeFileSync(settings.certFile!, readFileSync(settings.certFile!));
    const seen: string[] = [];
    source.onChange((material) => seen.push(material.fingerprint));
    expect(source.check()).toBe(true);
    expect(seen).toHaveLength(1);
    expect(source.current.fingerprint).not.toBe(before);
  });

  it('re-issues a leaf whose hosts changed and refuses a CA of another trust domain', async () => {
    const changed = await initMeshTls({
      dir,
      trustDomain: TD,
      workloads: [{ identity: id('payment-agent'), hosts: [...hosts, 'payment-agent'] }],
    });
    expect(changed.issued).toEqual([{ label: 'agent/payment-agent', reason: 'hosts changed' }]);
    await expect(initMeshTls({ dir, trustDomain: 'other.local', workloads: [] })).rejects.toThrow(
      /another trust domain/,
    );
  });

  it('asks for all three files when strict', () => {
    expect(() => toTlsSettings(tlsEnvSchema.parse({ MCP_MESH_TLS_MODE: 'strict' }))).toThrow(
      /MCP_MESH_TLS_CERT: required/,
    );
    expect(toTlsSettings(tlsEnvSchema.parse({ MCP_MESH_TLS_MODE: 'auto' })).mode).toBe('off');
    expect(() => tlsEnvSchema.parse({ MCP_MESH_TLS_MODE: 'maybe' })).toThrow(/expected off, auto or strict/);
  });
});

describe('the public edge certificate', () => {
  it('names the edge hosts, no mesh identity, from its own CA, and is kept while current', async () => {
    const edgeDir = join(dir, 'edge');
    const first = await initEdgeTls({ dir: edgeDir, hosts: ['localhost', '127.0.0.1'] });
    expect(first.issued).toBe(true);
    const certificate = new X509Certificate(readFileSync(first.certFile));
    expect(certificate.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(certificate.verify(new X509Certificate(readFileSync(first.caFile)).publicKey)).toBe(true);
    expect(certificate.verify(new X509Certificate(readFileSync(join(dir, 'ca.crt'))).publicKey)).toBe(false);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    expect((await initEdgeTls({ dir: edgeDir, hosts: ['localhost', '127.0.0.1'] })).issued).toBe(false);
    expect((await initEdgeTls({ dir: edgeDir, hosts: ['shop.example.com'] })).issued).toBe(true);
  });
});
