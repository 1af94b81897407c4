import type { AgentInfo } from '../registry-client.js';

/** One edge of the comparison: declared in architecture.yml, seen live in the registry, or both. */
export interface GraphEdge {
  from: string;
  to: string;
  declared: boolean;
  live: boolean;
}

export interface GraphComparison {
  /** Agent name -> tier, for grouping. */
  tiers: ReadonlyMap<string, string>;
  declaredNodes: readonly string[];
  liveNodes: readonly string[];
  edges: readonly GraphEdge[];
  /** Dependencies live agents could not resolve: agent -> capabilities. */
  unresolved: ReadonlyMap<string, readonly string[]>;
  liveAvailable: boolean;
}

/**
 * Live edges from GET /agents: each resolved dependency points at its provider agent's name; unresolved
 * ones are listed per agent.
 */
export function liveEdges(agents: readonly AgentInfo[]): {
  nodes: string[];
  edges: [string, string][];
  unresolved: Map<string, string[]>;
} {
  const nameOf = new Map(agents.map((a) => [a.id, a.name]));
  const byEndpoint = new Map(agents.map((a) => [a.endpoint, a.name]));
  const edges = new Map<string, [string, string]>();
  const unresolved = new Map<string, string[]>();
  for (const agent of agents) {
    for (const resolution of agent.dependency_resolutions ?? []) {
      const provider =
        (resolution.provider_agent_id && nameOf.get(resolution.provider_agent_id)) ||
        (resolution.endpoint && byEndpoint.get(resolution.endpoint));
      if (resolution.status === 'available' && provider) {
        if (provider !== agent.name) edges.set(`${agent.name}>${provider}`, [agent.name, provider]);
      } else {
        const list = unresolved.get(agent.name) ?? [];
        if (!list.includes(resolution.capability)) list.push(resolution.capability);
        unresolved.set(agent.name, list);
      }
    }
  }
  return { nodes: [...new Set(agents.map((a) => a.name))].sort(), edges: [...edges.values()], unresolved };
}

/** Joins declared and live edges into one list that says which side each edge is on. */
export function compareGraphs(
  declared: readonly { name: string; tier: string; depends_on: readonly string[] }[],
  live: ReturnType<typeof liveEdges> | undefined,
): GraphComparison {
  const edges = new Map<string, GraphEdge>();
  for (const agent of declared) {
    for (const to of agent.depends_on)
      edges.set(`${agent.name}>${to}`, { from: agent.name, to, declared: true, live: false });
  }
  for (const [from, to] of live?.edges ?? []) {
    const key = `${from}>${to}`;
    const edge = edges.get(key);
    if (edge) edge.live = true;
    else edges.set(key, { from, to, declared: false, live: true });
  }
  return {
    tiers: new Map(declared.map((a) => [a.name, a.tier])),
    declaredNodes: declared.map((a) => a.name),
    liveNodes: live?.nodes ?? [],
    edges: [...edges.values()].sort((a, b) => `${a.from}>${a.to}`.localeCompare(`${b.from}>${b.to}`)),
    unresolved: live?.unresolved ?? new Map(),
    liveAvailable: live !== undefined,
  };
}

const id = (prefix: string, name: string): string => `${prefix}_${name.replace(/[^a-zA-Z0-9]/g, '_')}`;

/**
 * Mermaid flowchart with two subgraphs side by side: "declared" (architecture.yml) and "live" (registry).
 * In the live side, a declared edge the registry does not show is drawn dashed and labelled `missing`;
 * an edge only the registry shows is drawn thick and labelled `undeclared`.
 */
export function toMermaid(graph: GraphComparison): string {
  const lines = ['flowchart LR'];
  lines.push('  subgraph declared["declared (architecture.yml)"]', '    direction TB');
  for (const name of graph.declaredNodes)
    lines.push(`    ${id('d', name)}["${name}<br/><small>${graph.tiers.get(name) ?? ''}</small>"]`);
  for (const e of graph.edges.filter((e) => e.declared))
    lines.push(`    ${id('d', e.from)} --> ${id('d', e.to)}`);
  lines.push('  end');
  const title = graph.liveAvailable ? 'live (registry)' : 'live (registry not reachable)';
  lines.push(`  subgraph live["${title}"]`, '    direction TB');
  const liveNodes = new Set(graph.liveNodes);
  for (const name of new Set([...graph.liveNodes, ...graph.declaredNodes])) {
    const missing = !liveNodes.has(name);
    const unresolved = graph.unresolved.get(name);
    const note = missing
      ? '<br/><small>not running</small>'
      : unresolved
        ? `<br/><small>unresolved: ${unresolved.join(', ')}</small>`
        : '';
    lines.push(`    ${id('l', name)}["${name}${note}"]`);
    if (missing) lines.push(`    class ${id('l', name)} missing`);
  }
  for (const e of graph.edges) {
    if (e.live && e.declared) lines.push(`    ${id('l', e.from)} --> ${id('l', e.to)}`);
    else if (e.declared) lines.push(`    ${id('l', e.from)} -. missing .-> ${id('l', e.to)}`);
    else lines.push(`    ${id('l', e.from)} == undeclared ==> ${id('l', e.to)}`);
  }
  lines.push('  end');
  lines.push('  classDef missing stroke-dasharray: 5 5,stroke:#c00,color:#c00');
  return lines.join('\n');
}

/** The same comparison as Graphviz DOT: two clusters, missing edges dashed red, undeclared edges bold orange. */
export function toDot(graph: GraphComparison): string {
  const q = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;
  const lines = ['digraph mesh {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  lines.push('  subgraph cluster_declared {', '    label="declared (architecture.yml)";');
  for (const name of graph.declaredNodes)
    lines.push(`    ${q(`d:${name}`)} [label=${q(`${name}\\n${graph.tiers.get(name) ?? ''}`)}];`);
  for (const e of graph.edges.filter((e) => e.declared))
    lines.push(`    ${q(`d:${e.from}`)} -> ${q(`d:${e.to}`)};`);
  lines.push('  }');
  lines.push(
    '  subgraph cluster_live {',
    `    label=${q(graph.liveAvailable ? 'live (registry)' : 'live (registry not reachable)')};`,
  );
  const liveNodes = new Set(graph.liveNodes);
  for (const name of new Set([...graph.liveNodes, ...graph.declaredNodes])) {
    const style = liveNodes.has(name) ? '' : ', style=dashed, color=red, fontcolor=red';
    lines.push(`    ${q(`l:${name}`)} [label=${q(name)}${style}];`);
  }
  for (const e of graph.edges) {
    const attrs =
      e.live && e.declared
        ? ''
        : e.declared
          ? ' [style=dashed, color=red, label="missing"]'
          : ' [style=bold, color=orange, label="undeclared"]';
    lines.push(`    ${q(`l:${e.from}`)} -> ${q(`l:${e.to}`)}${attrs};`);
  }
  lines.push('  }', '}');
  return lines.join('\n');
}
