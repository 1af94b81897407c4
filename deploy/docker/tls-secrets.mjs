// The Helm chart's certificate hook (pre-install, pre-upgrade) when cert-manager is not used: restores the
// mesh CA and the current certificates from the namespace's Secrets, runs `meshctl tls init` (which issues
// only what is missing, changed or expiring; --rotate re-issues all), and writes back the Secrets that
// changed: `<prefix>ca` (ca.crt, ca.key: only this Job's service account reads it) and one kubernetes.io/tls
// Secret per workload, `<prefix><name>` (tls.crt, tls.key, ca.crt; the operator's is `<prefix>operator-meshctl`).
// Arguments go to `meshctl tls init` (--trust-domain, --hosts, --days, --rotate). Talks to the API server
// with the pod's service account; no dependencies beyond Node.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = process.env;
const accountDir = env.MESH_K8S_SERVICE_ACCOUNT_DIR ?? '/var/run/secrets/kubernetes.io/serviceaccount';
const prefix = env.MESH_TLS_SECRET_PREFIX ?? 'mesh-tls-';
const root = env.MESH_ROOT ?? '/app';
const apiHost = env.KUBERNETES_SERVICE_HOST;
const apiPort = env.KUBERNETES_SERVICE_PORT ?? '443';
const TIMEOUT_MS = 15_000;

function fail(message) {
  throw new Error(message);
}

if (!apiHost) {
  process.stderr.write('tls-secrets: KUBERNETES_SERVICE_HOST is not set: run this in a pod\n');
  process.exit(1);
}
const token = readFileSync(join(accountDir, 'token'), 'utf8').trim();
const namespace = (env.MESH_NAMESPACE ?? readFileSync(join(accountDir, 'namespace'), 'utf8')).trim();
const apiCa = readFileSync(join(accountDir, 'ca.crt'));

/** One API call; resolves { status, body } (body parsed when JSON). */
function api(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: apiHost,
        port: Number(apiPort),
        method,
        path,
        ca: apiCa,
        timeout: TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // keep the text: it goes into the error message
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const secretsPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;

async function readSecret(name) {
  const { status, body } = await api('GET', `${secretsPath}/${name}`);
  if (status === 404) return undefined;
  if (status !== 200) fail(`reading Secret ${name}: HTTP ${status} ${JSON.stringify(body)}`);
  const data = {};
  for (const [key, value] of Object.entries(body.data ?? {}))
    data[key] = Buffer.from(value, 'base64').toString('utf8');
  return data;
}

async function writeSecret(name, type, data, exists) {
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'agent-mesh', 'agent-mesh/tls': 'true' },
    },
    type,
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
  };
  const { status, body: answer } = exists
    ? await api('PUT', `${secretsPath}/${name}`, body)
    : await api('POST', secretsPath, body);
  if (status !== 200 && status !== 201)
    fail(`writing Secret ${name}: HTTP ${status} ${JSON.stringify(answer)}`);
  process.stdout.write(`tls-secrets: ${exists ? 'updated' : 'created'} Secret ${name}\n`);
}

const same = (a, b) => a !== undefined && b !== undefined && Object.keys(b).every((key) => a[key] === b[key]);

const dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
try {
  // 1. Restore what the Secrets hold, so tls init keeps the CA and every current certificate.
  const caSecretName = `${prefix}ca`;
  const caSecret = await readSecret(caSecretName);
  if (caSecret?.['ca.crt'] && caSecret['ca.key']) {
    writeFileSync(join(dir, 'ca.crt'), caSecret['ca.crt'], { mode: 0o600 });
    writeFileSync(join(dir, 'ca.key'), caSecret['ca.key'], { mode: 0o600 });
  }
  const listed = await api(
    'GET',
    `${secretsPath}?labelSelector=${encodeURIComponent('agent-mesh/tls=true')}`,
  );
  if (listed.status !== 200) fail(`listing Secrets: HTTP ${listed.status} ${JSON.stringify(listed.body)}`);
  const before = new Map();
  for (const item of listed.body.items ?? []) {
    const name = item.metadata?.name ?? '';
    if (!name.startsWith(prefix) || name === caSecretName) continue;
    const data = {};
    for (const [key, value] of Object.entries(item.data ?? {}))
      data[key] = Buffer.from(value, 'base64').toString('utf8');
    before.set(name, data);
    const workload = name.slice(prefix.length);
    const [kind, file] = workload.startsWith('operator-')
      ? ['operator', workload.slice(9)]
      : ['agent', workload];
    if (data['tls.crt'] && data['tls.key']) {
      mkdirSync(join(dir, kind), { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, kind, `${file}.crt`), data['tls.crt'], { mode: 0o600 });
      writeFileSync(join(dir, kind, `${file}.key`), data['tls.key'], { mode: 0o600 });
    }
  }

  // 2. Issue what is due.
  const init = spawnSync(
    process.execPath,
    [
      join(root, 'packages/meshctl/dist/cli.js'),
      '--root',
      root,
      'tls',
      'init',
      '--dir',
      dir,
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', timeout: 120_000 },
  );
  if (init.status !== 0) fail(`meshctl tls init exited with ${init.status ?? init.signal}`);

  // 3. Write back what changed.
  const ca = {
    'ca.crt': readFileSync(join(dir, 'ca.crt'), 'utf8'),
    'ca.key': readFileSync(join(dir, 'ca.key'), 'utf8'),
  };
  if (!same(caSecret, ca)) await writeSecret(caSecretName, 'Opaque', ca, caSecret !== undefined);
  let written = 0;
  for (const kind of ['agent', 'operator']) {
    if (!existsSync(join(dir, kind))) continue;
    for (const file of readdirSync(join(dir, kind)).filter((name) => name.endsWith('.crt'))) {
      const name = file.slice(0, -4);
      const secretName = `${prefix}${kind === 'operator' ? 'operator-' : ''}${name}`;
      const data = {
        'tls.crt': readFileSync(join(dir, kind, file), 'utf8'),
        'tls.key': readFileSync(join(dir, kind, `${name}.key`), 'utf8'),
        'ca.crt': ca['ca.crt'],
      };
      const old = before.get(secretName) ?? (await readSecret(secretName));
      if (same(old, data)) continue;
      await writeSecret(secretName, 'kubernetes.io/tls', data, old !== undefined);
      written += 1;
    }
  }
  process.stdout.write(`tls-secrets: ${written} workload Secrets written in ${namespace}\n`);
} catch (error) {
  process.stderr.write(`tls-secrets: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
