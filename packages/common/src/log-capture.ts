import { Writable } from 'node:stream';

/** A logger destination that keeps every line written to it, parsed (`createLogger({ destination })`). */
export interface CapturedLog {
  readonly lines: Record<string, unknown>[];
  readonly destination: Writable;
}

/** Captures a logger's JSON lines in memory: for tests that assert on what was logged. */
export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}
