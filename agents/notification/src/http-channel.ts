import type { HttpChannel } from './channels.js';
import { PermanentFailure } from './channels.js';

export interface HttpChannelOptions<M> {
  /** The provider endpoint; undefined disables the channel (messages are accepted and logged only). */
  url: string | undefined;
  apiKey?: string | undefined;
  /** Bound on one attempt. */
  timeoutMs: number;
  /** The JSON body the provider expects for a message. */
  toBody: (message: M) => Record<string, unknown>;
}

/**
 * A provider reached by an HTTP POST of JSON (SMS: `{to, body}`; push: `{user_id, title, body}`).
 * 2xx is delivered; 408, 429 and 5xx are worth a retry; any other 4xx is permanent.
 */
export function createHttpChannel<M>(options: HttpChannelOptions<M>): HttpChannel<M> {
  return {
    enabled: options.url !== undefined,
    async send(message, signal) {
      if (options.url === undefined) throw new PermanentFailure('channel disabled: no provider URL');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;
      const response = await fetch(options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(options.toBody(message)),
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return;
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      const failure = `provider answered ${response.status}`;
      throw retryable ? new Error(failure) : new PermanentFailure(failure);
    },
  };
}
