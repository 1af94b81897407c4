import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { MeshError } from '@mesh/common';
import {
  architectureSchema,
  type AgentEntry,
  type ArchitectureDocument,
  type InfrastructureEntry,
  type ProfileEntry,
  type RegistryEntry,
} from './schema.js';
import { profileProblems } from './profiles.js';

/** An agent with the tier it sits in and where it is declared. */
export interface TieredAgent extends AgentEntry {
  readonly tier: string;
  /** Position of the tier in tier_order: 0 is the bottom. */
  readonly tierRank: number;
  /** Path of this entry inside the document, for line lookups. */
  readonly path: readonly (string | number)[];
}

/** A parsed, validated architecture.yml. */
export interface Architecture {
  readonly file: string;
  readonly tierOrder: readonly string[];
  readonly registry: RegistryEntry;
  readonly infrastructure: readonly InfrastructureEntry[];
  readonly agents: readonly TieredAgent[];
  /** The profiles the file declares, by name (see applyProfile). */
  readonly profileEntries: Readonly<Record<string, ProfileEntry>>;
  /** Their names, in the file's order. */
  readonly profiles: readonly string[];
  /** The profile applied to `agents` (applyProfile); undefined for the file as written. */
  readonly profile?: string | undefined;
  /** `file:line:column` of a document path (or the closest existing parent), for messages. */
  locate(path: readonly (string | number)[]): string;
  agent(name: string): TieredAgent | undefined;
}

/** One schema problem, with where it is. */
export interface ArchitectureProblem {
  readonly location: string;
  readonly field: string;
  readonly message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(document)' : out;
}

function makeLocator(file: string, doc: Document, lines: LineCounter) {
  return (path: readonly (string | number)[]): string => {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return `${file}:${line}:${col}`;
      }
    }
    return `${file}:1:1`;
  };
}

function fail(file: string, problems: readonly ArchitectureProblem[]): never {
  const text = problems.map((p) => `${p.location}: ${p.field}: ${p.message}`).join('\n  ');
  throw new MeshError('VALIDATION_FAILED', `${file} is invalid:\n  ${text}`, { data: { problems } });
}

/**
 * Parses architecture.yml text. Throws VALIDATION_FAILED listing every problem as `file:line:col: field: message`,
 * so an editor jumps straight to it.
 */
export function parseArchitecture(text: string, file = 'architecture.yml'): Architecture {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    fail(
      file,
      doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        return {
          location: pos ? `${file}:${pos.line}:${pos.col}` : file,
          field: '(yaml)',
          message: error.message.split('\n')[0] ?? error.message,
        };
      }),
    );
  }
  const locate = makeLocator(file, doc, lines);
  const result = architectureSchema.safeParse(doc.toJS());
  if (!result.success) {
    fail(
      file,
      result.error.issues.map((issue) => {
        const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
        return { location: locate(path), field: formatPath(path), message: issue.message };
      }),
    );
  }
  return build(file, result.data, locate);
}

function build(
  file: string,
  data: ArchitectureDocument,
  locate: (path: readonly (string | number)[]) => string,
): Architecture {
  const problems: ArchitectureProblem[] = [];
  const problem = (path: (string | number)[], message: string): void => {
    problems.push({ location: locate(path), field: formatPath(path), message });
  };
  const agents: TieredAgent[] = [];
  const seen = new Map<string, string>();
  for (const [tier, entries] of Object.entries(data.agents)) {
    const tierRank = data.tier_order.indexOf(tier);
    if (tierRank < 0) problem(['agents', tier], `tier "${tier}" is not listed in tier_order`);
    entries.forEach((entry, index) => {
      const path = ['agents', tier, index];
      const previous = seen.get(entry.name);
      if (previous !== undefined)
        problem([...path, 'name'], `${entry.name} is declared twice (also ${previous})`);
      seen.set(entry.name, locate(path));
      agents.push({ ...entry, tier, tierRank, path });
    });
  }
  const infraNames = new Set(data.infrastructure.map((i) => i.name));
  for (const agent of agents) {
    agent.depends_on.forEach((dependency, index) => {
      const path = [...agent.path, 'depends_on', index];
      if (dependency === agent.name) problem(path, `${agent.name} depends on itself`);
      else if (!seen.has(dependency)) {
        const hint = infraNames.has(dependency) ? ' (infrastructure is not an agent dependency)' : '';
        problem(path, `unknown agent "${dependency}"${hint}`);
      }
    });
  }
  for (const { path, message } of profileProblems(data)) problem(path, message);
  if (problems.length > 0) fail(file, problems);
  const byName = new Map(agents.map((a) => [a.name, a]));
  return {
    file,
    tierOrder: data.tier_order,
    registry: data.registry,
    infrastructure: data.infrastructure,
    agents,
    profileEntries: data.profiles,
    profiles: Object.keys(data.profiles),
    locate,
    agent: (name) => byName.get(name),
  };
}

/** Reads and parses an architecture file from disk. */
export function loadArchitecture(path: string, displayName = path): Architecture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new MeshError('NOT_FOUND', `cannot read ${path}`, { cause: error });
  }
  return parseArchitecture(text, displayName);
}
