import { MeshError } from '@mesh/common';
import { isMap, isSeq } from 'yaml';
import {
  blankLineBefore,
  endOf,
  indentAt,
  insertLines,
  pairsOf,
  parseYamlSource,
} from '../deploy/yaml-source.js';
import type { NewAgentPlan } from './new-agent-plan.js';

/** The entry's lines, in the style of the file's own entries (flow lists, one key a line). */
function entryLines(plan: NewAgentPlan): string[] {
  return [
    `- name: ${plan.name.agent}`,
    `  package: ${plan.name.packageDir}`,
    `  provides: [${plan.capability}]`,
    `  depends_on: [${plan.dependsOn.join(', ')}]`,
    `  replicas: ${plan.replicas}`,
  ];
}

/**
 * architecture.yml with the new agent appended to its tier (the tier is added under `agents` when it has no
 * agent yet). Text is inserted, never re-serialized, so comments and layout stay as they are.
 */
export function addToArchitecture(path: string, text: string, plan: NewAgentPlan): string {
  const source = parseYamlSource(path, text);
  const agents = source.doc.get('agents', true);
  if (!isMap(agents)) throw new MeshError('DEPLOY_FILE_CHANGED', `${path} has no agents map`);
  const tier = pairsOf(agents).find(({ key }) => key === plan.tier);
  if (tier !== undefined) {
    const list = tier.pair.value;
    const last = isSeq(list) ? list.items.at(-1) : undefined;
    if (!isSeq(list) || last === undefined || last === null)
      throw new MeshError('DEPLOY_FILE_CHANGED', `${path}: agents.${plan.tier} is not a list of agents`);
    const start = (last as { range?: [number] }).range?.[0] ?? 0;
    const column = indentAt(text, start);
    const spaced = blankLineBefore(text, start) || list.items.length === 1;
    const lines = entryLines(plan).map((line) => `${' '.repeat(column)}${line}`);
    return insertLines(
      text,
      endOf(text, last as Parameters<typeof endOf>[1]),
      [...(spaced ? [''] : []), ...lines].join('\n'),
    );
  }
  const lastTier = pairsOf(agents).at(-1);
  if (lastTier === undefined)
    throw new MeshError('DEPLOY_FILE_CHANGED', `${path} declares no tier of agents`);
  const keyStart = (lastTier.pair.key as { range?: [number] }).range?.[0] ?? 0;
  const column = indentAt(text, keyStart);
  const lines = [
    '',
    `${' '.repeat(column)}${plan.tier}:`,
    ...entryLines(plan).map((line) => `${' '.repeat(column + 2)}${line}`),
  ];
  return insertLines(text, endOf(text, lastTier.pair), lines.join('\n'));
}
