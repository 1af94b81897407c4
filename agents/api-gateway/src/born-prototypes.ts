import { IncomingMessage, ServerResponse } from 'node:http';

/** The prototypes an express app gives every request and response (`app.request`, `app.response`). */
export interface AppPrototypes {
  readonly request: object;
  readonly response: object;
}

/** What `createServer` takes to build each request and response. */
export interface BornWith {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/** Whether node:http's classes can be called as functions (they are function constructors up to now). */
function callable(constructor: unknown): boolean {
  return typeof constructor === 'function' && !/^class\b/.test(Function.prototype.toString.call(constructor));
}

/**
 * Request and response constructors whose objects are born with the app's prototypes. Express's `app.handle`
 * moves every request and response onto `app.request` and `app.response` (`Object.setPrototypeOf`); an object
 * that changes prototype after construction gets a map of its own, so node's HTTP code and ours, which read
 * their fields on every request, meet objects of many shapes and run slower (docs/benchmarks.md). Born with the
 * same prototypes, the objects keep one shape and the app's `setPrototypeOf` changes nothing. Undefined when
 * node's constructors cannot be extended this way (then the server makes its usual objects).
 */
export function bornWith(prototypes: AppPrototypes): BornWith | undefined {
  if (!callable(IncomingMessage) || !callable(ServerResponse)) return undefined;
  if (!(prototypes.request instanceof IncomingMessage) || !(prototypes.response instanceof ServerResponse)) {
    return undefined;
  }
  function Request(this: IncomingMessage, ...args: ConstructorParameters<typeof IncomingMessage>): void {
    (IncomingMessage as unknown as (...a: unknown[]) => void).apply(this, args);
  }
  Request.prototype = prototypes.request;
  function Response(this: ServerResponse, ...args: ConstructorParameters<typeof ServerResponse>): void {
    (ServerResponse as unknown as (...a: unknown[]) => void).apply(this, args);
  }
  Response.prototype = prototypes.response;
  return {
    IncomingMessage: Request as unknown as typeof IncomingMessage,
    ServerResponse: Response as unknown as typeof ServerResponse,
  };
}
