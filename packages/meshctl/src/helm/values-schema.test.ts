import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolAvailable } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const chartDir = join(root, 'deploy/helm/agent-mesh');

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  enum?: unknown[];
  oneOf?: Schema[];
  definitions?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
}
const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as Schema;
const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;

function resolve(node: Schema): Schema {
  if (node.$ref === undefined) return node;
  const name = node.$ref.replace('#/definitions/', '');
  const target = schema.definitions?.[name];
  if (target === undefined) throw new Error(`values.schema.json: ${node.$ref} is not defined`);
  return resolve(target);
}

/** Every value of values.yaml with the schema node that describes it (undefined when none does). */
function* describedValues(
  value: unknown,
  node: Schema | undefined,
  path: string,
): Generator<[string, Schema | undefined]> {
  const resolved = node === undefined ? undefined : resolve(node);
  yield [path, resolved];
  if (Array.isArray(value))
    for (const [index, item] of value.entries())
      yield* describedValues(item, resolved?.items, `${path}/${index}`);
  else if (value !== null && typeof value === 'object')
    for (const [key, child] of Object.entries(value))
      yield* describedValues(child, resolved?.properties?.[key], `${path}/${key}`);
}

describe('values.schema.json', () => {
  it('describes every value in values.yaml with a type or a set of allowed values', () => {
    const undescribed = [...describedValues(values, schema, '')]
      .filter(([, node]) => node?.type === undefined && node?.enum === undefined && node?.oneOf === undefined)
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it('requires every key it describes and refuses unknown ones (resource quantities are each optional)', () => {
    const optional = schema.definitions?.['quantities'];
    for (const [path, node] of describedValues(values, schema, '')) {
      if (node?.properties === undefined) continue;
      expect(node.additionalProperties, path).toBe(false);
      const keys = Object.keys(node.properties).filter((key) => key !== 'global');
      expect([...(node.required ?? [])].sort(), path).toEqual(node === optional ? [] : keys.sort());
    }
  });
});

// Helm applies the schema; CI builds helm (deploy/helm/install-helm.sh), elsewhere this part skips.
const helm = toolAvailable('helm', 'the values schema through helm');

function runHelm(...args: string[]) {
  return spawnSync('helm', args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(!helm)('helm checks values against values.schema.json', () => {
  it('lints the chart with --strict and renders it with the default values', () => {
    const lint = runHelm('lint', '--strict', chartDir);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    const template = runHelm('template', 'mesh', chartDir, '-n', 'mesh');
    expect(template.status, template.stderr).toBe(0);
  });

  it.each([
    [['--set-string', 'registry.replicas=two'], "at '/registry/replicas': got string, want integer"],
    [['--set', 'agents[0].replicas=0'], "at '/agents/0/replicas': minimum: got 0, want 1"],
    [['--set', 'tls.mode=permissive'], "at '/tls/mode': value must be one of 'strict', 'off'"],
    [['--set', 'image.pullPolicy=Sometimes'], "at '/image/pullPolicy': value must be one of"],
    [['--set', 'registy.replicas=1'], "additional properties 'registy' not allowed"],
    [['--set', 'postgres.port=70000'], "at '/postgres/port': maximum: got 70,000, want 65,535"],
    [['--set', 'tls.certManager.issuerKind=Vault'], "at '/tls/certManager/issuerKind'"],
    [['--set', 'agentResources.limits.memory=lots'], "at '/agentResources/limits/memory'"],
    [['--set', 'paymentGatewayUrl=payment-sandbox:8090'], "at '/paymentGatewayUrl'"],
    [
      ['--set', 'recommendations.persistence.accessMode=ReadWriteOncePod'],
      "at '/recommendations/persistence/accessMode'",
    ],
    [['--set', 'recommendations.training.schedule=hourly'], "at '/recommendations/training/schedule'"],
  ])('refuses %j with a message naming the value', (args, message) => {
    for (const command of [
      ['template', 'mesh'],
      ['lint', '--strict'],
    ]) {
      const run = runHelm(...command, chartDir, ...args);
      expect(run.status, `helm ${command.join(' ')} ${args.join(' ')}`).not.toBe(0);
      expect(run.stdout + run.stderr).toContain("values don't meet the specifications of the schema");
      expect(run.stdout + run.stderr).toContain(message);
    }
  });
});
