import { createHash } from 'node:crypto';

const names = new Map<string, string>();

/**
 * A named query config for `pool.query`: PostgreSQL parses and plans a named statement once per connection
 * and reuses the plan afterwards, where an unnamed one is parsed and planned on every call. Use it for the
 * fixed SQL texts of hot paths (the name derives from the text, so equal texts share one statement).
 */
export function prepared<V extends unknown[]>(
  text: string,
  values: V,
): { name: string; text: string; values: V } {
  let name = names.get(text);
  if (name === undefined) {
    name = `mesh_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    if (names.size > 10_000) names.clear();
    names.set(text, name);
  }
  return { name, text, values };
}
