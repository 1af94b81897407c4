import { waitFor, waitForHttp, type StartedProcess } from '@mesh/testkit';

/**
 * The URL an agent process announced in its "agent listening" log line. Agents under test listen on port 0
 * (the OS picks), so two replicas can never race for a port chosen in advance. Fails fast if it exits.
 */
export async function agentUrl(process: StartedProcess, timeoutMs = 45_000): Promise<string> {
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
