import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mesh/common';
import type { Tracer } from '@opentelemetry/api';
import type { MeshIdentity, SubjectAltNames } from '@mesh/trust';
import type { RegistryConfig } from '../config.js';
import type { Registry } from '../core/registry.js';
import type { RegistryMetrics } from '../metrics.js';
import type { RegistryTrust } from '../registry-trust.js';
import type { WatchFeed } from '../watch-feed.js';

/** What every route handler gets besides the request: the registry and its surroundings. */
export interface HandlerContext {
  readonly registry: Registry;
  readonly config: RegistryConfig;
  readonly metrics: RegistryMetrics;
  readonly logger: Logger;
  readonly watchFeed: WatchFeed;
  readonly startedAt: number;
  /** mTLS and the policy (strict mode); undefined when TLS is off. */
  readonly trust?: RegistryTrust | undefined;
  /** Where request spans go; undefined when spans are not exported. */
  readonly tracer?: Tracer | undefined;
}

/** Who made a request, proven by its client certificate (strict mode only). */
export interface Caller {
  readonly identity: MeshIdentity;
  readonly names: SubjectAltNames;
}

/** A route handler; `param` is the path remainder after the route prefix (an id or proxy target). */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: HandlerContext,
  param: string,
  requestId: string,
  caller: Caller | undefined,
) => Promise<void> | void;
