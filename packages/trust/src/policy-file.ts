import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { MeshError } from '@mesh/common';
import { MeshPolicy } from './policy.js';
import type { PolicyAgent } from './policy.js';

const agentSchema = z.looseObject({
  name: z.string().min(1),
  provides: z.array(z.string()).default([]),
  depends_on: z.array(z.string()).default([]),
  restricted: z.record(z.string(), z.array(z.string())).optional(),
});

const documentSchema = z.looseObject({
  agents: z.record(z.string(), z.array(agentSchema)),
});

/** The policy agents of an architecture document (already parsed YAML). */
export function policyAgentsOf(document: unknown): PolicyAgent[] {
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MeshError(
      'CONFIG_INVALID',
      `architecture: ${issue?.path.join('.') || '(document)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return Object.values(parsed.data.agents)
    .flat()
    .map((agent) => ({
      name: agent.name,
      provides: agent.provides,
      dependsOn: agent.depends_on,
      ...(agent.restricted === undefined ? {} : { restricted: agent.restricted }),
    }));
}

/**
 * Reads the policy from architecture.yml (`MCP_MESH_POLICY_FILE`). Only `agents` is read: names, `provides`,
 * `depends_on` and `restricted`; `bin/meshctl check` validates the rest of the file.
 */
export function loadPolicyFile(path: string, trustDomain: string): MeshPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new MeshError('CONFIG_INVALID', `cannot read the policy file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error: unknown) {
    throw new MeshError('CONFIG_INVALID', `${path} is not valid YAML: ${(error as Error).message}`);
  }
  try {
    return new MeshPolicy(trustDomain, policyAgentsOf(document));
  } catch (error: unknown) {
    throw new MeshError('CONFIG_INVALID', `${path}: ${(error as Error).message}`);
  }
}
