/**
 * Entry of a load generator in a process of its own: `node load-process.js '<LoadRequest as JSON>'` runs one
 * load phase and prints its LoadResult as JSON on stdout. See separate-load.ts.
 */
import { runLoad } from './load.js';
import { parseLoadRequest } from './separate-load.js';

const request = parseLoadRequest(process.argv[2] ?? '');
const result = await runLoad({
  url: request.url,
  method: request.method,
  next: (n) => ({ path: `${request.pathPrefix}${n % request.cycle}` }),
  connections: request.connections,
  durationMs: request.durationMs,
  ...(request.rate === undefined ? {} : { rate: request.rate }),
});
// Requests a slow server never answered may still hold the loop open: the result is all that is wanted.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
