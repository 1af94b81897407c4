import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArchitecture } from './architecture/load.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const scripts = join(root, 'deploy/docker');
const work = mkdtempSync(join(tmpdir(), 'mesh-deploy-scripts-'));
const pki = join(work, 'pki');
const out = join(work, 'out');
const uid = process.getuid?.() ?? 0;
const arch = loadArchitecture(join(root, 'architecture.yml'));

/** A loopback port nothing listens on (bound, read, released). */
async function freeLoopbackPort(): Promise<number> {
  const holder = createNetServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  return port;
}

/** Runs the compose certificate step as the image does, on this checkout's built meshctl. */
function meshCerts(...args: string[]) {
  return spawnSync('sh', [join(scripts, 'mesh-certs.sh'), ...args], {
    env: {
      ...process.env,
      MESH_ROOT: root,
      MESH_PKI_DIR: pki,
      MESH_TLS_OUT: out,
      MESH_TLS_UID: String(uid),
      EDGE_UID: String(uid),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Runs the container health check (probe.sh) asynchronously, since the server it asks lives in this process. */
function probe(
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(scripts, 'probe.sh')], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, elapsedMs: Date.now() - started }));
  });
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('mesh-certs.sh (compose certificate step)', () => {
  beforeAll(() => {
    for (const name of ['registry', 'order-agent', 'public']) mkdirSync(join(out, name), { recursive: true });
  });

  it('gives each mounted workload volume its own certificate, key and the CA, 0600, and the public one the CA', () => {
    const run = meshCerts();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const order = join(out, 'order-agent');
    const certificate = new X509Certificate(readFileSync(join(order, 'tls.crt')));
    expect(certificate.subjectAltName).toContain('URI:spiffe://mesh.local/agent/order-agent');
    expect(certificate.subjectAltName).toContain('DNS:order-agent');
    // The key in the volume belongs to the certificate in the volume.
    expect(certificate.checkPrivateKey(createPrivateKey(readFileSync(join(order, 'tls.key'))))).toBe(true);
    for (const file of ['tls.crt', 'tls.key', 'ca.crt'])
      expect(statSync(join(order, file)).mode & 0o777, file).toBe(0o600);
    expect(statSync(order).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(out, 'public/ca.crt'), 'utf8')).toBe(readFileSync(join(pki, 'ca.crt'), 'utf8'));
    expect(statSync(join(out, 'public/ca.crt')).mode & 0o777).toBe(0o644);
  });

  it('changes nothing when run again, and re-issues every certificate with --rotate', () => {
    const before = readFileSync(join(out, 'order-agent/tls.crt'), 'utf8');
    const again = meshCerts();
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain('wrote');
    expect(readFileSync(join(out, 'order-agent/tls.crt'), 'utf8')).toBe(before);
    const rotated = meshCerts('--rotate');
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain(`wrote ${join(out, 'order-agent')}/tls.crt`);
    expect(readFileSync(join(out, 'order-agent/tls.crt'), 'utf8')).not.toBe(before);
  });

  it('gives the edge volume a server certificate from its own CA, with no mesh identity', () => {
    mkdirSync(join(out, 'edge'));
    try {
      const run = meshCerts();
      expect(run.status, run.stderr).toBe(0);
      const edge = new X509Certificate(readFileSync(join(out, 'edge/tls.crt')));
      expect(edge.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
      expect(edge.verify(new X509Certificate(readFileSync(join(out, 'edge/ca.crt'))).publicKey)).toBe(true);
      expect(edge.verify(new X509Certificate(readFileSync(join(pki, 'ca.crt'))).publicKey)).toBe(false);
      expect(edge.checkPrivateKey(createPrivateKey(readFileSync(join(out, 'edge/tls.key'))))).toBe(true);
      expect(statSync(join(out, 'edge/tls.key')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(join(out, 'edge'), { recursive: true, force: true });
    }
  });

  it('fails, naming it, when a volume is mounted for a workload that has no certificate', () => {
    mkdirSync(join(out, 'ghost-agent'));
    const run = meshCerts();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no certificate for ghost-agent');
    rmSync(join(out, 'ghost-agent'), { recursive: true });
  });
});

describe('probe.sh (the container health check)', () => {
  let server: HttpServer;
  let silent: NetServer;
  let port = 0;
  let silentPort = 0;
  const silentSockets: Socket[] = [];
  let status = 200;
  const asked: string[] = [];

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // Accepts connections and never answers, as a wedged process would.
    silent = createNetServer((socket) => silentSockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('asks /ready on the probe port and passes only on a 2xx', async () => {
    status = 200;
    asked.length = 0;
    expect(await probe({ MCP_MESH_PROBE_PORT: String(port) })).toMatchObject({ status: 0, stderr: '' });
    expect(asked).toEqual(['GET /ready']);
    status = 503;
    const failed = await probe({ MCP_MESH_PROBE_PORT: String(port) });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`http://127.0.0.1:${port}/ready answered 503`);
  });

  it('asks HEALTHCHECK_URL instead when set (a sandbox, the gateway public port)', async () => {
    status = 204;
    asked.length = 0;
    const run = await probe({ HEALTHCHECK_URL: `http://127.0.0.1:${port}/health?deep=1` });
    expect(run.status).toBe(0);
    expect(asked).toEqual(['GET /health?deep=1']);
  });

  it('fails at once, saying why, when nothing listens', async () => {
    const closed = await freeLoopbackPort();
    const run = await probe({ MCP_MESH_PROBE_PORT: String(closed) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`cannot connect to 127.0.0.1:${closed}`);
  });

  it('gives up after 2 s on a listener that never answers', async () => {
    const run = await probe({ MCP_MESH_PROBE_PORT: String(silentPort) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no answer within 2 s');
    expect(run.elapsedMs).toBeLessThan(5000);
  });

  it('refuses an https URL: the probe listener is plain HTTP', async () => {
    const run = await probe({ HEALTHCHECK_URL: 'https://127.0.0.1:8000/health' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('only http:// URLs');
  });
});

describe('tls-secrets.mjs (the Helm hook without cert-manager)', () => {
  type Secret = {
    metadata: { name: string; labels?: Record<string, string> };
    type: string;
    data: Record<string, string>;
  };
  const secrets = new Map<string, Secret>();
  const calls: string[] = [];
  const account = join(work, 'serviceaccount');
  let api: Server;
  let apiPort = 0;

  beforeAll(async () => {
    // The API server presents the registry certificate issued above; the service account trusts its CA.
    mkdirSync(account, { recursive: true });
    writeFileSync(join(account, 'token'), 'test-token\n');
    writeFileSync(join(account, 'namespace'), 'mesh\n');
    writeFileSync(join(account, 'ca.crt'), readFileSync(join(out, 'registry/ca.crt')));
    api = createServer(
      { cert: readFileSync(join(out, 'registry/tls.crt')), key: readFileSync(join(out, 'registry/tls.key')) },
      (req, res) => {
        let text = '';
        req.on('data', (chunk: Buffer) => (text += chunk.toString()));
        req.on('end', () => {
          calls.push(`${req.method} ${req.url}`);
          const send = (status: number, body: unknown) =>
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          if (req.headers.authorization !== 'Bearer test-token') return send(401, { reason: 'Unauthorized' });
          const base = '/api/v1/namespaces/mesh/secrets';
          const url = new URL(req.url ?? '/', 'https://api');
          if (req.method === 'GET' && url.pathname === base)
            return send(200, {
              items: [...secrets.values()].filter((s) => s.metadata.labels?.['agent-mesh/tls']),
            });
          const name = url.pathname.startsWith(`${base}/`) ? url.pathname.slice(base.length + 1) : undefined;
          if (req.method === 'GET' && name)
            return secrets.has(name) ? send(200, secrets.get(name)) : send(404, { reason: 'NotFound' });
          const body = text ? (JSON.parse(text) as Secret) : undefined;
          if (req.method === 'POST' && url.pathname === base && body) {
            if (secrets.has(body.metadata.name)) return send(409, { reason: 'AlreadyExists' });
            secrets.set(body.metadata.name, body);
            return send(201, body);
          }
          if (req.method === 'PUT' && name && body && secrets.has(name)) {
            secrets.set(name, body);
            return send(200, body);
          }
          return send(400, { reason: 'BadRequest' });
        });
      },
    );
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiPort = (api.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  function hook(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(scripts, 'tls-secrets.mjs'), ...args], {
        env: {
          PATH: process.env['PATH'] ?? '',
          KUBERNETES_SERVICE_HOST: '127.0.0.1',
          KUBERNETES_SERVICE_PORT: String(apiPort),
          MESH_K8S_SERVICE_ACCOUNT_DIR: account,
          MESH_ROOT: root,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }
  const decoded = (name: string, key: string) =>
    Buffer.from(secrets.get(name)?.data[key] ?? '', 'base64').toString('utf8');
  const HOSTS = '--hosts={name}.mesh.svc,*.{name}-pods.mesh.svc.cluster.local';

  it('stores the CA and one kubernetes.io/tls Secret per workload, with the per-pod wildcard', async () => {
    const run = await hook(HOSTS);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect([...secrets.keys()].sort()).toEqual(
      [
        'mesh-tls-ca',
        'mesh-tls-operator-meshctl',
        'mesh-tls-registry',
        ...arch.agents.map((a) => `mesh-tls-${a.name}`),
      ].sort(),
    );
    expect(secrets.get('mesh-tls-order-agent')?.type).toBe('kubernetes.io/tls');
    const order = new X509Certificate(decoded('mesh-tls-order-agent', 'tls.crt'));
    expect(order.subjectAltName).toContain('URI:spiffe://mesh.local/agent/order-agent');
    expect(order.subjectAltName).toContain('DNS:*.order-agent-pods.mesh.svc.cluster.local');
    expect(order.verify(new X509Certificate(decoded('mesh-tls-ca', 'ca.crt')).publicKey)).toBe(true);
    expect(decoded('mesh-tls-order-agent', 'ca.crt')).toBe(decoded('mesh-tls-ca', 'ca.crt'));
  });

  it('keeps the CA and writes nothing on an upgrade with nothing due, and re-creates only a deleted Secret', async () => {
    const ca = decoded('mesh-tls-ca', 'ca.crt');
    calls.length = 0;
    const again = await hook(HOSTS);
    expect(again.status).toBe(0);
    expect(calls.filter((call) => !call.startsWith('GET'))).toEqual([]);
    secrets.delete('mesh-tls-payment-agent');
    calls.length = 0;
    const healed = await hook(HOSTS);
    expect(healed.status).toBe(0);
    expect(calls.filter((call) => !call.startsWith('GET'))).toEqual(['POST /api/v1/namespaces/mesh/secrets']);
    expect(decoded('mesh-tls-ca', 'ca.crt')).toBe(ca);
  });

  it('fails with the API status when the service account may not read Secrets', async () => {
    writeFileSync(join(account, 'token'), 'wrong\n');
    const run = await hook(HOSTS);
    writeFileSync(join(account, 'token'), 'test-token\n');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('HTTP 401');
  });
});
