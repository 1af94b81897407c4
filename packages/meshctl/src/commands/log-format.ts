/** Fields shown in the head of a line (or not at all: pid and hostname say nothing locally). */
const SHOWN = new Set([
  'time',
  'level',
  'service',
  'name',
  'agent_id',
  'msg',
  'trace_id',
  'err',
  'pid',
  'hostname',
]);
const NUMERIC_LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function timeOf(value: unknown): string {
  const date = typeof value === 'number' || typeof value === 'string' ? new Date(value) : undefined;
  return date !== undefined && !Number.isNaN(date.getTime())
    ? date.toISOString().slice(11, 23)
    : '--:--:--.---';
}

function levelOf(value: unknown): string {
  const label = typeof value === 'number' ? (NUMERIC_LEVELS[value] ?? String(value)) : String(value ?? '?');
  return label.toUpperCase().padEnd(5);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * One pino JSON line for a person: `10:41:33.123 INFO  order-agent order completed trace=… key=value…` (UTC
 * time, as logged), an error's stack indented below. A line that is not a JSON object comes back as it is.
 */
export function formatLogLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return line;
  const fields = record as Record<string, unknown>;
  const head = [
    timeOf(fields['time']),
    levelOf(fields['level']),
    text(fields['service'] ?? fields['name'] ?? '-'),
    text(fields['msg'] ?? ''),
  ];
  if (fields['trace_id'] !== undefined) head.push(`trace=${text(fields['trace_id'])}`);
  const err = fields['err'] as { message?: unknown; stack?: unknown } | undefined;
  if (err !== undefined) head.push(`err=${text(err.message ?? err)}`);
  for (const [key, value] of Object.entries(fields)) if (!SHOWN.has(key)) head.push(`${key}=${text(value)}`);
  const stack = typeof err?.stack === 'string' ? err.stack.split('\n').map((l) => `    ${l}`) : [];
  return [head.filter((part) => part !== '').join(' '), ...stack].join('\n');
}
