import net from 'node:net';

/** A Redis simple-string or integer reply: all the commands here answer with. */
type Reply = string | number;

function encode(parts: readonly string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/**
 * Runs `commands` against one logical database of a Redis server (the one in the URL's path, e.g.
 * redis://host:6379/7) over a plain socket: AUTH when the URL has a password, SELECT, then the commands.
 * Resolves with the commands' replies. Only simple-string and integer replies are understood.
 */
function onDatabase(url: string, commands: readonly string[][], timeoutMs: number): Promise<Reply[]> {
  const target = new URL(url);
  const index = target.pathname.replace(/^\//, '') || '0';
  if (!/^\d{1,2}$/.test(index)) return Promise.reject(new Error(`not a Redis database index: ${index}`));
  const sent: string[][] = [
    ...(target.password ? [['AUTH', decodeURIComponent(target.password)]] : []),
    ['SELECT', index],
    ...commands,
  ];
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port || 6379), target.hostname);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`redis at ${target.host} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let pending = '';
    const replies: Reply[] = [];
    socket.on('connect', () => socket.write(sent.map(encode).join('')));
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let end: number;
      while ((end = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (line.startsWith('+')) replies.push(line.slice(1));
        else if (line.startsWith(':')) replies.push(Number(line.slice(1)));
        else return fail(new Error(`redis refused: ${line}`));
      }
      if (replies.length >= sent.length) {
        clearTimeout(timer);
        socket.end();
        resolve(replies.slice(sent.length - commands.length));
      }
    });
    socket.on('error', fail);
  });
}

/** Empties one logical database of a Redis server. For isolating test runs on a test server; never for shared data. */
export async function flushRedisDatabase(url: string, timeoutMs = 5000): Promise<void> {
  await onDatabase(url, [['FLUSHDB']], timeoutMs);
}

/** Number of keys in one logical database of a Redis server (DBSIZE). */
export async function redisDatabaseSize(url: string, timeoutMs = 5000): Promise<number> {
  const [size] = await onDatabase(url, [['DBSIZE']], timeoutMs);
  if (typeof size !== 'number') throw new Error(`redis answered DBSIZE with ${String(size)}`);
  return size;
}
