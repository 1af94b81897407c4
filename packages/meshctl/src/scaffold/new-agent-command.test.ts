import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { checkDeployFiles } from '../deploy/deploy-check.js';
import { newAgentCommand } from './new-agent-command.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const meshctl = join(repo, 'bin/meshctl');
const scratch = mkdtempSync(join(tmpdir(), 'new-agent-command-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const EDITED = [
  'architecture.yml',
  'deploy/docker-compose.yml',
  'deploy/docker-compose.microservices.yml',
  'deploy/docker-compose.monitoring.yml',
  'deploy/helm/agent-mesh/values.yaml',
  'deploy/prometheus/prometheus.yml',
];

let trees = 0;
/** What `new agent` reads of the repository (no node_modules: the files stay as the template writes them). */
function tree(): string {
  const root = join(scratch, String((trees += 1)));
  mkdirSync(join(root, 'packages/runtime'), { recursive: true });
  for (const path of ['architecture.yml', 'package.json', 'packages/runtime/package.json'])
    cpSync(join(repo, path), join(root, path));
  cpSync(join(repo, 'deploy'), join(root, 'deploy'), { recursive: true });
  return root;
}

async function newAgent(root: string, args: string[], values: Record<string, string>) {
  const lines: string[] = [];
  const code = await newAgentCommand(args, values, {
    root,
    archFile: join(root, 'architecture.yml'),
    log: (line) => lines.push(line),
  });
  return { code, output: lines.join('\n') };
}

/** The lines of `after` that are not in `before`, when `after` only adds lines; throws otherwise. */
function addedLines(before: string, after: string): string[] {
  const old = before.split('\n');
  const added: string[] = [];
  let at = 0;
  for (const line of after.split('\n')) {
    if (at < old.length && line === old[at]) at += 1;
    else added.push(line);
  }
  if (at !== old.length) throw new Error('lines were changed or removed, not only added');
  return added;
}

describe('meshctl new agent', () => {
  it('writes the package and adds the agent to architecture.yml and every deploy file, only adding lines', async () => {
    const root = tree();
    const before = new Map(EDITED.map((path) => [path, readFileSync(join(root, path), 'utf8')]));
    const { code, output } = await newAgent(root, ['agent', 'shipping'], {
      tier: 'business',
      depends: 'user_get',
      replicas: '2',
    });
    expect(code, output).toBe(0);
    expect(output).toContain('Created agents/shipping (@mesh/agent-shipping): shipping-agent, tier business');
    expect(readdirSync(join(root, 'agents/shipping/src')).sort()).toEqual([
      'agent.test.ts',
      'agent.ts',
      'config.ts',
      'index.ts',
      'main.ts',
      'services.ts',
    ]);
    const pkg = JSON.parse(readFileSync(join(root, 'agents/shipping/package.json'), 'utf8')) as {
      mesh: unknown;
    };
    expect(pkg.mesh).toEqual({ agent: './dist/agent.js', main: './dist/main.js' });
    expect(readFileSync(join(root, 'agents/shipping/src/main.ts'), 'utf8')).toBe(
      readFileSync(join(repo, 'agents/user/src/main.ts'), 'utf8'),
    );

    const added = new Map(
      EDITED.map((path) => [path, addedLines(before.get(path)!, readFileSync(join(root, path), 'utf8'))]),
    );
    // Blank lines separate entries as the file does; which blank counts as the added one is arbitrary.
    expect(added.get('architecture.yml')!.filter((line) => line !== '')).toEqual([
      '    - name: shipping-agent',
      '      package: agents/shipping',
      '      provides: [shipping_hello]',
      '      depends_on: [user-agent]',
      '      replicas: 2',
    ]);
    for (const path of EDITED) expect(added.get(path)!.length, path).toBeGreaterThan(0);

    const arch = loadArchitecture(join(root, 'architecture.yml'));
    expect(arch.agent('shipping-agent')).toMatchObject({ tier: 'business', replicas: 2 });
    expect(checkDeployFiles(arch, root).problems).toEqual([]);
  });

  it('puts a core agent among the core agents, waiting for the base services only', async () => {
    const root = tree();
    expect((await newAgent(root, ['agent', 'audit-agent'], { tier: 'core' })).code).toBe(0);
    const compose = readFileSync(join(root, 'deploy/docker-compose.yml'), 'utf8');
    const service = compose.indexOf('\n  audit-agent:\n');
    expect(service).toBeGreaterThan(compose.indexOf('\n  database-agent:\n'));
    expect(service).toBeLessThan(compose.indexOf('# --- support tier'));
    expect(compose.slice(service)).toMatch(
      /depends_on:\n {6}<<: \*base-deps\n {4}deploy:\n {6}replicas: 1\n/,
    );
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    expect(checkDeployFiles(arch, root).problems).toEqual([]);
  });

  it('writes nothing when it refuses', async () => {
    const root = tree();
    const before = EDITED.map((path) => readFileSync(join(root, path), 'utf8'));
    await expect(
      newAgent(root, ['agent', 'shipping'], { tier: 'business', depends: 'nope' }),
    ).rejects.toThrow(/no agent of architecture.yml provides "nope"/);
    expect(EDITED.map((path) => readFileSync(join(root, path), 'utf8'))).toEqual(before);
    expect(existsSync(join(root, 'agents'))).toBe(false);
  });

  it('prints the code and the reason and exits 1 on the command line', () => {
    const root = tree();
    const run = (...args: string[]) =>
      spawnSync(meshctl, ['new', ...args, '--root', root], { encoding: 'utf8', timeout: 30_000 });
    const unknownTier = run('agent', 'shipping', '--tier', 'middle');
    expect(unknownTier.status).toBe(1);
    expect(unknownTier.stderr).toBe(
      'meshctl: UNKNOWN_TIER: unknown tier "middle": architecture.yml\'s tier_order has core, support, business, edge\n',
    );
    const usage = run('shipping', '--tier', 'core');
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/^meshctl: BAD_REQUEST: usage: meshctl new agent <name> --tier <tier>/);
    const existing = run('agent', 'order', '--tier', 'business');
    expect(existing.stderr).toBe('meshctl: AGENT_EXISTS: architecture.yml already declares order-agent\n');
  });

  const dockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!dockerCompose)('leaves compose files that docker-compose accepts, layers included', async () => {
    const root = tree();
    expect((await newAgent(root, ['agent', 'shipping'], { tier: 'support', replicas: '3' })).code).toBe(0);
    const files = [
      'docker-compose.yml',
      'docker-compose.microservices.yml',
      'docker-compose.monitoring.yml',
      'docker-compose.event-driven.yml',
    ];
    const config = spawnSync('docker-compose', [...files.flatMap((f) => ['-f', f]), 'config'], {
      cwd: join(root, 'deploy'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(config.status, config.stderr).toBe(0);
    expect(config.stdout).toMatch(/\n {2}shipping-agent:\n/);
  });
});
