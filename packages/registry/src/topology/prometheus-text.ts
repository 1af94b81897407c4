/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** The sample's own time (ms since the epoch) when the line carries one, as Prometheus's `/federate` writes. */
  readonly timestampMs?: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Reads `{a="1",b="x\"y"}` from `line` at `start`; returns the labels and the index after `}`. */
function readLabels(
  line: string,
  start: number,
): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (let guard = 0; guard < 64; guard += 1) {
    while (line[i] === ' ' || line[i] === ',') i += 1;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = NAME.exec(line.slice(i))?.[0];
    if (name === undefined || line[i + name.length] !== '=' || line[i + name.length + 1] !== '"')
      return undefined;
    i += name.length + 2;
    let value = '';
    for (; i < line.length && line[i] !== '"'; i += 1) {
      if (line[i] === '\\') {
        i += 1;
        value += line[i] === 'n' ? '\n' : (line[i] ?? '');
      } else value += line[i];
    }
    if (i >= line.length) return undefined;
    labels[name] = value;
    i += 1;
  }
  return undefined;
}

/**
 * The samples of the families whose names start with one of `prefixes`, from a `/metrics` body. Comments,
 * other families and malformed lines are skipped: a scrape is best effort and never fails the page.
 */
export function parsePrometheusText(text: string, prefixes: readonly string[]): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || !prefixes.some((prefix) => line.startsWith(prefix))) continue;
    const name = NAME.exec(line)?.[0];
    if (name === undefined) continue;
    let labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const read = readLabels(line, name.length);
      if (read === undefined) continue;
      labels = read.labels;
      rest = line.slice(read.end);
    }
    const [valueText, timestampText] = rest.trim().split(/\s+/);
    const value = Number(valueText);
    if (rest.trim() === '' || Number.isNaN(value)) continue;
    const timestampMs = timestampText === undefined ? Number.NaN : Number(timestampText);
    samples.push(
      Number.isFinite(timestampMs) ? { name, labels, value, timestampMs } : { name, labels, value },
    );
  }
  return samples;
}
