/**
 * At most `limit` calls in flight to one provider (one `host:port`); the rest wait their turn, first come first
 * served. The client's keep-alive pools allow the same number of connections, so a call that waits here goes
 * out on a warm connection when one frees up instead of paying for a new one (a TLS handshake on both ends in
 * strict mode, exactly when an overloaded host has no CPU left for it).
 *
 * Node's http.Agent can queue requests too, but a request destroyed while it waits there (its deadline
 * passed) stays in the agent's queue until a connection frees up, and when a busy connection is closed the
 * agent opens a new one just to hand it to such a dead request. Waiting here instead, a call that gives up
 * leaves the queue at once and no request is ever made for it.
 */
export class ProviderCallLimit {
  private readonly providers = new Map<string, ProviderQueue>();

  constructor(readonly limit: number) {}

  /** A place in the line for one call to `provider`; `enter` takes it. */
  ticket(provider: string, start: () => void): CallTicket {
    let queue = this.providers.get(provider);
    if (queue === undefined) {
      queue = { provider, inFlight: 0, waiting: new Set() };
      this.providers.set(provider, queue);
    }
    return { queue, start, started: false };
  }

  /**
   * Runs the ticket's `start` now if its provider has a free place, else when one frees up. The ticket must
   * then be given to `leave` exactly once, when the call ends (answered, failed, timed out or aborted), started
   * or not; `leave` may come inside `start`. `start` must not throw: it may run inside another call's `leave`.
   */
  enter(ticket: CallTicket): void {
    if (ticket.queue.inFlight < this.limit) begin(ticket);
    else ticket.queue.waiting.add(ticket);
  }

  leave(ticket: CallTicket): void {
    const queue = ticket.queue;
    if (ticket.started) {
      queue.inFlight--;
      // The first waiter takes the place (a Set iterates in insertion order).
      for (const next of queue.waiting) {
        queue.waiting.delete(next);
        begin(next);
        break;
      }
    } else {
      queue.waiting.delete(ticket);
    }
    // Providers come and go (a restart brings a new port): forget one with nothing in flight or waiting.
    if (queue.inFlight === 0 && queue.waiting.size === 0 && this.providers.get(queue.provider) === queue)
      this.providers.delete(queue.provider);
  }
}

/** One call's place with one provider. */
export interface CallTicket {
  readonly queue: ProviderQueue;
  readonly start: () => void;
  started: boolean;
}

interface ProviderQueue {
  readonly provider: string;
  inFlight: number;
  readonly waiting: Set<CallTicket>;
}

function begin(ticket: CallTicket): void {
  ticket.queue.inFlight++;
  ticket.started = true;
  ticket.start();
}
