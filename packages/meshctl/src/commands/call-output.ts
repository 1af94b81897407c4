import { isMeshError } from '@mesh/common';

/** A tool's result for a person: text as it is, anything else as indented JSON. */
export function formatResult(result: unknown): string {
  return typeof result === 'string' ? result : JSON.stringify(result ?? null, null, 2);
}

/** One JSON document for scripts: `{ok, tool, result}` or `{ok: false, tool, error: {code, message, data}}`. */
export function formatJsonOutcome(tool: string, outcome: { result: unknown } | { error: unknown }): string {
  if ('result' in outcome) return JSON.stringify({ ok: true, tool, result: outcome.result ?? null });
  const error = outcome.error;
  const body = isMeshError(error)
    ? { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) }
    : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
  return JSON.stringify({ ok: false, tool, error: body });
}
