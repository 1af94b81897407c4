import { MeshError } from '@mesh/common';
import type { Logger, TraceContext } from '@mesh/common';
import type { CallerContext, DependencyClient, DependencyProxy } from './dependency-proxy.js';
import type { DependencyDecls, RegisteredTool, ToolContext } from './tool-registry.js';
import type { SpanHandle } from './tracing.js';

/**
 * The caller's side of one call, as the provider sees it: an HTTP call's ServerResponse, or a call on a mesh
 * stream. Its `close` before the answer was written means the caller went away.
 */
export interface CallerLink {
  readonly writableFinished: boolean;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** Handed to a tool that declares no dependencies (it cannot reach any key of it). */
const NO_DEPENDENCIES: Readonly<Record<string, DependencyProxy>> = Object.freeze({});

/**
 * What a tool handler receives for one call, and what its dependency calls inherit (trace, deadline,
 * signal). One object per call whose getters live on the prototype: the abort signal (with its deadline
 * timer and close listener) and the child logger are made only when the handler asks for them, so a simple
 * tool pays for neither, and no closure is made per call.
 */
export class ToolCallContext implements ToolContext<unknown, DependencyDecls>, CallerContext {
  readonly deps: Readonly<Record<string, DependencyProxy>>;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private onClose: (() => void) | undefined;
  private childLogger: Logger | undefined;

  constructor(
    readonly app: unknown,
    private readonly tool: RegisteredTool,
    dependencies: readonly DependencyClient[],
    readonly span: SpanHandle,
    readonly deadline: number,
    readonly idempotencyKey: string | undefined,
    private readonly res: CallerLink,
    private readonly baseLogger: Logger,
  ) {
    if (dependencies.length === 0) this.deps = NO_DEPENDENCIES;
    else {
      const deps: Record<string, DependencyProxy> = {};
      for (const client of dependencies) deps[client.dependency.name] = client.bind(this);
      this.deps = deps;
    }
  }

  get trace(): TraceContext {
    return this.span.trace;
  }

  /** Aborts when the deadline passes or the caller disconnects (made on first use). */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const toolName = this.tool.name;
      this.timer = setTimeout(
        () => controller.abort(new MeshError('TIMEOUT', `deadline passed in ${toolName}`)),
        Math.max(0, this.deadline - Date.now()),
      );
      const res = this.res;
      // A caller that goes away before the answer was written aborts the signal.
      const onClose = (): void => {
        if (!res.writableFinished) controller.abort(new MeshError('TIMEOUT', 'caller went away'));
      };
      this.onClose = onClose;
      res.once('close', onClose);
    }
    return this.controller.signal;
  }

  get logger(): Logger {
    // trace_id and span_id come from the log context the call runs in (see withLogContext).
    this.childLogger ??= this.baseLogger.child({ tool: this.tool.name });
    return this.childLogger;
  }

  /** After the call: stops the deadline timer and the close listener, if the signal was made. */
  release(): void {
    if (!this.onClose) return;
    clearTimeout(this.timer);
    this.res.off('close', this.onClose);
  }
}
