/** Values `${…}` placeholders in architecture.yml env/args/exports may use. */
export interface TemplateScope {
  port?: number;
  ports?: Record<string, number>;
  json?: Record<string, unknown>;
  home?: string;
  root?: string;
  replica?: number;
  /** Where an infrastructure command writes its ready JSON (private to the user). */
  ready_file?: string;
}

/**
 * Expands `${port}`, `${ports.smtp}`, `${json.url}`, `${home}`, `${root}`, `${replica}`. An unknown
 * placeholder is an error naming it, so a typo in architecture.yml never becomes a literal value.
 */
export function expand(text: string, scope: TemplateScope): string {
  return text.replace(/\$\{([a-z_.]+)\}/gi, (_match, key: string) => {
    const [head, tail] = key.split('.', 2) as [string, string | undefined];
    let value: unknown;
    if (tail === undefined) value = (scope as Record<string, unknown>)[head];
    else {
      const group = (scope as Record<string, unknown>)[head];
      value =
        typeof group === 'object' && group !== null ? (group as Record<string, unknown>)[tail] : undefined;
    }
    if (value === undefined || value === null || typeof value === 'object') {
      throw new Error(`unknown placeholder \${${key}}`);
    }
    return String(value);
  });
}

export function expandAll(values: Record<string, string>, scope: TemplateScope): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expand(v, scope)]));
}

/** Adds MESH_PORT_OFFSET to a fixed port, so a second copy of the system (tests) can run beside the first. */
export function offsetPort(port: number, offset: number): number {
  return port + offset;
}
