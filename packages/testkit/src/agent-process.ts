import type { StartedProcess } from './child-process.js';
import { waitFor, waitForHttp } from './wait-for.js';

/**
 * The URL an agent process announced in its "agent listening" JSON log line, once its /ready answers 200.
 * Agents under test listen on port 0 (the OS picks), so two replicas never race for a port chosen in advance.
 * Fails fast, with the process output, if the process exits before it is ready.
 */
export async function waitForAgentUrl(process: StartedProcess, timeoutMs = 45_000): Promise<string> {
  const exited = process.exited.then((code) => Promise.reject(new Error(`exited with ${code}`)));
  const announced = waitFor(
    async () => {
      for (const line of process.output().split('\n')) {
        if (!line.includes('"agent listening"')) continue;
        const url = (JSON.parse(line) as { url?: unknown }).url;
        if (typeof url === 'string') return url;
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 100, description: 'agent listening' },
  );
  try {
    const url = await Promise.race([announced, exited]);
    await Promise.race([waitForHttp(`${url}/ready`, { status: 200, timeoutMs }), exited]);
    return url;
  } catch (error: unknown) {
    throw new Error(`agent process not ready: ${String(error)}\n${process.output()}`);
  }
}
