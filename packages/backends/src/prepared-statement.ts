import { createHash } from 'node:crypto';
import { MeshError } from '@mesh/common';

const names = new Map<string, string>();

/** `SELECT *`, `RETURNING *`, `t.*`: a result whose columns a migration could change under a prepared plan. */
const STAR_RESULT = /\b(SELECT|RETURNING)\s+(\w+\.)?\*/i;

/**
 * A named query config for `pool.query`: PostgreSQL parses and plans a named statement once per connection
 * and reuses the plan afterwards, where an unnamed one is parsed and planned on every call. Use it for the
 * fixed SQL texts of hot paths (the name derives from the text, so equal texts share one statement).
 *
 * What a caller must keep true:
 * - **Few texts.** Each distinct text stays prepared on every connection that ran it until the connection
 *   closes. A text built at run time qualifies only when its shapes are few and bounded (the order store's
 *   transition: one per combination of patched columns); one that grows with its input (a VALUES list per
 *   row, `IN ($1, …, $n)`) must not be named: pass arrays (`= ANY($1)`, `unnest($1::text[], …)`) instead.
 * - **Named result columns.** PostgreSQL replans a prepared statement after a migration changes what it
 *   reads, but refuses a new result shape on an open connection ("cached plan must not change result
 *   type"), so a `*` in the result is refused here, at the statement's first use.
 * - **Session pooling.** Statements live on the server connection that prepared them, and pg remembers per
 *   client which names it prepared. That holds for direct connections and session pooling; a transaction
 *   pooler (PgBouncer `pool_mode=transaction` before 1.21) would hand the name to a connection that never
 *   saw it. The mesh connects to PostgreSQL directly.
 */
export function prepared<V extends unknown[]>(
  text: string,
  values: V,
): { name: string; text: string; values: V } {
  let name = names.get(text);
  if (name === undefined) {
    if (STAR_RESULT.test(text)) {
      throw new MeshError('INTERNAL', 'a prepared statement must name its result columns, not select *', {
        data: { text },
      });
    }
    name = `mesh_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    // Only a guard for this process's memory: names derive from texts, so forgetting one changes nothing.
    if (names.size > 10_000) names.clear();
    names.set(text, name);
  }
  return { name, text, values };
}
