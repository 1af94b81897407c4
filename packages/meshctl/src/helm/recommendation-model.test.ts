import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolAvailable } from '@mesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';

/**
 * The chart gives the recommendation agent its model: a volume at /models where ML_MODEL_PATH points (a
 * claim, or an emptyDir without persistence) and a CronJob that trains it from business_db with the image's
 * `train-recommendations`, pinned to the agent's node when the claim is ReadWriteOnce.
 */
const root = fileURLToPath(new URL('../../../..', import.meta.url));
const chartDir = join(root, 'deploy/helm/agent-mesh');
const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
  agents: { name: string; replicas: number; database: string }[];
  recommendations: { training: { schedule: string } };
};
const MODEL_PATH = '/models/recommendations.json';

describe('the image trains the model', () => {
  it('runs the recommendation training for `train-recommendations`, from a file the build emits', () => {
    const entrypoint = readFileSync(join(root, 'deploy/docker/entrypoint.sh'), 'utf8');
    expect(entrypoint).toMatch(
      /^ {2}train-recommendations\)\n(?: {4}#.*\n)* {4}exec node \/app\/agents\/recommendation\/dist\/train-main\.js "\$@" ;;$/m,
    );
    // tsc turns src/train-main.ts into dist/train-main.js; the image keeps every agent's dist.
    expect(readFileSync(join(root, 'agents/recommendation/src/train-main.ts'), 'utf8')).toContain(
      'await train()',
    );
  });
});

// Rendering needs helm (CI builds it: deploy/helm/install-helm.sh); elsewhere this part skips.
const helm = toolAvailable('helm', 'the recommendation model in the helm chart');

interface Container {
  args?: string[];
  image?: string;
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }[];
  affinity?: {
    podAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        labelSelector: { matchLabels: Record<string, string> };
        topologyKey: string;
      }[];
    };
  };
}
interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: {
    accessModes?: string[];
    schedule?: string;
    strategy?: { type: string };
    template?: { spec: PodSpec };
    jobTemplate?: { spec: { template: { spec: PodSpec } } };
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'recommendation-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function render(...args: string[]): { status: number | null; docs: Doc[]; stderr: string } {
  const run = spawnSync('helm', ['template', 'mesh', chartDir, '-n', 'mesh', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const docs = parseAllDocuments(run.stdout ?? '')
    .map((doc) => doc.toJS() as Doc | null)
    .filter((doc): doc is Doc => doc !== null);
  return { status: run.status, docs, stderr: run.stderr };
}
function rendered(...args: string[]): Doc[] {
  const run = render(...args);
  expect(run.status, run.stderr).toBe(0);
  return run.docs;
}
const find = (docs: Doc[], kind: string, name: string) =>
  docs.find((doc) => doc.kind === kind && doc.metadata.name === name);
const envOf = (container: Container | undefined) =>
  Object.fromEntries((container?.env ?? []).map((entry) => [entry.name, entry.value]));
const agentPod = (docs: Doc[]) => find(docs, 'Deployment', 'recommendation-agent')?.spec?.template?.spec;
const trainingPod = (docs: Doc[]) =>
  find(docs, 'CronJob', 'recommendation-training')?.spec?.jobTemplate?.spec.template.spec;

describe.skipIf(!helm)('helm chart: the recommendation agent and its model', () => {
  it('by default: a ReadWriteOnce claim at /models for the agent and an hourly CronJob on its node', () => {
    const docs = rendered();
    expect(find(docs, 'PersistentVolumeClaim', 'recommendation-models')?.spec?.accessModes).toEqual([
      'ReadWriteOnce',
    ]);
    const agent = agentPod(docs);
    expect(agent?.volumes).toContainEqual({
      name: 'models',
      persistentVolumeClaim: { claimName: 'recommendation-models' },
    });
    expect(agent?.containers[0]?.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models' });
    expect(envOf(agent?.containers[0])['ML_MODEL_PATH']).toBe(MODEL_PATH);
    // A new pod elsewhere could not attach the volume while the old one holds it.
    expect(find(docs, 'Deployment', 'recommendation-agent')?.spec?.strategy).toEqual({ type: 'Recreate' });

    const cronJob = find(docs, 'CronJob', 'recommendation-training');
    expect(cronJob?.spec?.schedule).toBe(values.recommendations.training.schedule);
    const training = trainingPod(docs);
    const container = training?.containers[0];
    expect(container?.args).toEqual(['train-recommendations']);
    expect(container?.image).toBe(agent?.containers[0]?.image);
    expect(container?.volumeMounts).toEqual([{ name: 'models', mountPath: '/models' }]);
    expect(training?.volumes).toEqual(agent?.volumes?.filter((volume) => volume.name === 'models'));
    const env = envOf(container);
    expect(env['ML_MODEL_PATH']).toBe(MODEL_PATH);
    expect(env['DB_NAME']).toBe(values.agents.find((a) => a.name === 'recommendation-agent')?.database);
    expect(training?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'recommendation-agent' } },
        topologyKey: 'kubernetes.io/hostname',
      },
    ]);
  });

  it('gives no other agent the model volume or a Recreate strategy', () => {
    for (const doc of rendered().filter((d) => d.kind === 'Deployment')) {
      if (doc.metadata.name === 'recommendation-agent') continue;
      expect(doc.spec?.strategy, doc.metadata.name).toBeUndefined();
      expect(
        envOf(doc.spec?.template?.spec.containers[0])['ML_MODEL_PATH'],
        doc.metadata.name,
      ).toBeUndefined();
    }
  });

  it('with ReadWriteMany: the CronJob may run on any node and the agent rolls as the others do', () => {
    const docs = rendered('--set', 'recommendations.persistence.accessMode=ReadWriteMany');
    expect(find(docs, 'PersistentVolumeClaim', 'recommendation-models')?.spec?.accessModes).toEqual([
      'ReadWriteMany',
    ]);
    expect(trainingPod(docs)?.affinity).toBeUndefined();
    expect(find(docs, 'Deployment', 'recommendation-agent')?.spec?.strategy).toBeUndefined();
  });

  it('without persistence: an emptyDir at /models and no claim or CronJob, which could not reach it', () => {
    const docs = rendered('--set', 'recommendations.persistence.enabled=false');
    expect(agentPod(docs)?.volumes).toContainEqual({ name: 'models', emptyDir: {} });
    expect(envOf(agentPod(docs)?.containers[0])['ML_MODEL_PATH']).toBe(MODEL_PATH);
    expect(docs.filter((d) => d.kind === 'PersistentVolumeClaim' || d.kind === 'CronJob')).toEqual([]);
    expect(find(docs, 'Deployment', 'recommendation-agent')?.spec?.strategy).toBeUndefined();
  });

  it('with training off: the claim stays, the CronJob goes', () => {
    const docs = rendered('--set', 'recommendations.training.enabled=false');
    expect(find(docs, 'PersistentVolumeClaim', 'recommendation-models')).toBeDefined();
    expect(find(docs, 'CronJob', 'recommendation-training')).toBeUndefined();
  });

  it('takes the schedule from values', () => {
    const docs = rendered('--set', 'recommendations.training.schedule=@daily');
    expect(find(docs, 'CronJob', 'recommendation-training')?.spec?.schedule).toBe('@daily');
  });

  it('refuses two agent replicas on a ReadWriteOnce volume, naming the ways out', () => {
    const file = join(scratch, 'two-replicas.yaml');
    const agents = values.agents.map((agent) =>
      agent.name === 'recommendation-agent' ? { ...agent, replicas: 2 } : agent,
    );
    writeFileSync(file, stringify({ agents }));
    const refused = render('-f', file);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(
      'recommendation-agent: 2 replicas cannot share a ReadWriteOnce model volume across nodes',
    );
    const shared = rendered('-f', file, '--set', 'recommendations.persistence.accessMode=ReadWriteMany');
    expect(find(shared, 'Deployment', 'recommendation-agent')).toBeDefined();
  });
});
