import type { Logger } from '@mesh/common';

/**
 * The log of requests shed over the in-flight limit: the first refusal of a quiet spell is logged at once, then
 * at most one line per `everyMs` says how many more were refused. An overloaded gateway would otherwise write a
 * line for every request it has no time for.
 */
export class ShedLog {
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly maxInFlight: number,
    private readonly everyMs = 1_000,
  ) {}

  /** One request refused. */
  count(): void {
    this.#pending += 1;
    if (this.#timer === undefined) this.#flush();
  }

  #flush(): void {
    this.logger.warn(
      { code: 'OVERLOADED', shed: this.#pending, max_in_flight: this.maxInFlight, window_ms: this.everyMs },
      'shedding load: requests refused over the in-flight limit',
    );
    this.#pending = 0;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#pending > 0) this.#flush();
    }, this.everyMs);
    this.#timer.unref();
  }
}
