/** A directed graph of agent names: an edge a -> b means "a depends on b". */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** Builds a graph from name -> dependencies pairs, adding nodes that only appear as targets. */
export function buildGraph(entries: Iterable<readonly [string, Iterable<string>]>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [name, deps] of entries) {
    const list = graph.get(name) ?? [];
    for (const dep of deps) if (!list.includes(dep)) list.push(dep);
    graph.set(name, list);
  }
  for (const deps of [...graph.values()]) for (const dep of deps) if (!graph.has(dep)) graph.set(dep, []);
  return graph;
}

/**
 * Every dependency cycle, each as a closed path `[a, b, …, a]`: one per strongly connected component
 * (Tarjan), which is enough to tell the user what to break. Deterministic: starts at the smallest name.
 */
export function findCycles(graph: DependencyGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];

  const visit = (node: string): void => {
    indices.set(node, index);
    lowlink.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, indices.get(next)!));
      }
    }
    if (lowlink.get(node) === indices.get(node)) {
      const component: string[] = [];
      for (;;) {
        const member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
        if (member === node) break;
      }
      components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);

  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const selfLoop = (graph.get(start) ?? []).includes(start);
    if (component.length === 1 && !selfLoop) continue;
    cycles.push(selfLoop && component.length === 1 ? [start, start] : pathBack(graph, start, members));
  }
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

/** Shortest path from start back to start inside one component (BFS), as a closed path. */
function pathBack(graph: DependencyGraph, start: string, members: ReadonlySet<string>): string[] {
  const parent = new Map<string, string>();
  const queue: string[] = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = parent.get(at)) {
          path.splice(1, 0, at);
        }
        path.push(start);
        return path;
      }
      if (!parent.has(next) && next !== start) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * Start waves: wave 0 has no dependencies, wave n depends only on earlier waves. Throws on a cycle,
 * naming it, since no start order exists then.
 */
export function startWaves(graph: DependencyGraph): string[][] {
  const cycles = findCycles(graph);
  if (cycles.length > 0) {
    throw new Error(`dependency cycle: ${cycles.map((c) => c.join(' -> ')).join('; ')}`);
  }
  const depth = new Map<string, number>();
  const depthOf = (node: string): number => {
    const known = depth.get(node);
    if (known !== undefined) return known;
    const deps = graph.get(node) ?? [];
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depthOf));
    depth.set(node, value);
    return value;
  };
  const waves: string[][] = [];
  for (const node of graph.keys()) {
    const d = depthOf(node);
    (waves[d] ??= []).push(node);
  }
  return waves.map((wave) => wave.sort());
}
