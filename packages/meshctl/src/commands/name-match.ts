import { MeshError } from '@mesh/common';

/**
 * The agent or service a short name means: the exact name, else `<name>-agent`, else the one name that starts
 * with it, else the one that contains it (`order` finds order-agent, `gateway` api-gateway). Ambiguous or
 * unknown names fail with the candidates, so the user can pick.
 */
export function matchName(query: string, names: readonly string[]): string {
  const known = [...new Set(names)].sort();
  if (known.includes(query)) return query;
  if (known.includes(`${query}-agent`)) return `${query}-agent`;
  for (const matches of [(n: string) => n.startsWith(query), (n: string) => n.includes(query)]) {
    const found = known.filter(matches);
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw new MeshError('CONFLICT', `${query} is ambiguous: ${found.join(', ')} (give more of the name)`, {
        data: { candidates: found },
      });
  }
  throw new MeshError('NOT_FOUND', `no agent or service named ${query}; known: ${known.join(', ')}`, {
    data: { known },
  });
}
