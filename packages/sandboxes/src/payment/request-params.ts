/**
 * Request parameters as Stripe accepts them: form-encoded with bracketed keys (`metadata[order_id]=o-1`)
 * or JSON. Values stay strings or plain objects; validation happens per endpoint.
 */
export type Params = { [key: string]: ParamValue };
export type ParamValue = string | Params;

const BRACKETED = /^([^[\]]+)\[([^[\]]*)\]$/;

/** Parses a form-encoded body; one level of brackets becomes a nested object, as in `metadata[key]`. */
export function parseFormParams(text: string): Params {
  const params: Params = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const match = BRACKETED.exec(key);
    if (match === null) {
      params[key] = value;
      continue;
    }
    const outer = match[1]!;
    const inner = match[2]!;
    const existing = params[outer];
    const nested: Params = typeof existing === 'object' ? existing : {};
    nested[inner] = value;
    params[outer] = nested;
  }
  return params;
}

/** Normalises a parsed JSON body to Params: numbers and booleans become strings, as a form would send them. */
export function paramsFromJson(value: unknown): Params | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const params: Params = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (raw === null || raw === undefined) continue;
    if (typeof raw === 'object') {
      const nested = paramsFromJson(raw);
      if (nested !== undefined) params[key] = nested;
    } else {
      params[key] = String(raw);
    }
  }
  return params;
}

/**
 * A canonical text of method, path and params, so the same request sent as JSON or as a form, with keys
 * in any order, counts as the same request for idempotency.
 */
export function fingerprint(method: string, path: string, params: Params): string {
  return `${method} ${path} ${canonical(params)}`;
}

function canonical(params: Params): string {
  const keys = Object.keys(params).sort();
  return `{${keys
    .map((key) => {
      const value = params[key]!;
      return `${JSON.stringify(key)}:${typeof value === 'string' ? JSON.stringify(value) : canonical(value)}`;
    })
    .join(',')}}`;
}
