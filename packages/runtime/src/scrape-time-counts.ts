/**
 * Counts kept in plain numbers on the hot path and handed to prom-client only when the metrics are read.
 * A prom-client child (`counter.labels(...)`) still hashes its labels and checks them on every `inc()` (about
 * 0.3–0.5 µs each, two to three times per mesh call on each side); a field increment costs nothing, and
 * `collect` (which prom-client runs before every read of the metric) brings prom-client up to date, so what
 * /metrics shows is the same.
 */

/** One labelled counter series: `inc()` adds to a pending number, `flush()` hands it to the child. */
export class PendingCount {
  private pending = 0;

  constructor(private readonly child: { inc(value: number): void }) {}

  inc(): void {
    this.pending += 1;
  }

  flush(): void {
    if (this.pending === 0) return;
    const pending = this.pending;
    this.pending = 0;
    this.child.inc(pending);
  }
}

/**
 * One labelled in-flight gauge series: `inc()`/`dec()` move a number, `flush()` sets the child to it. The series
 * appears once the first call began (as it did when the child was incremented directly).
 */
export class InFlightCount {
  private value = 0;
  private used = false;

  constructor(private readonly child: { set(value: number): void }) {}

  inc(): void {
    this.value += 1;
    this.used = true;
  }

  dec(): void {
    this.value -= 1;
  }

  flush(): void {
    if (this.used) this.child.set(this.value);
  }
}

/** The series of one metric, flushed together from its `collect`. */
export class ScrapeTimeSeries<T extends { flush(): void }> {
  private readonly series: T[] = [];

  add(entry: T): T {
    this.series.push(entry);
    return entry;
  }

  flush(): void {
    for (const entry of this.series) entry.flush();
  }
}
