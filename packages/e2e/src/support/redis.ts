import net from 'node:net';

/**
 * Empties one logical database of a Redis server (the one in the URL's path, e.g. redis://host:6379/7):
 * SELECT then FLUSHDB over a plain socket. For isolating test runs on a test server; never for shared data.
 */
export function flushRedisDatabase(url: string, timeoutMs = 5000): Promise<void> {
  const target = new URL(url);
  const index = target.pathname.replace(/^\//, '') || '0';
  if (!/^\d{1,2}$/.test(index)) return Promise.reject(new Error(`not a Redis database index: ${index}`));
  const command = (...parts: string[]): string =>
    `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port || 6379), target.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis at ${target.host} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let replies = '';
    socket.on('connect', () => {
      const auth = target.password ? command('AUTH', decodeURIComponent(target.password)) : '';
      socket.write(`${auth}${command('SELECT', index)}${command('FLUSHDB')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      replies += chunk.toString('utf8');
      if (replies.startsWith('-') || replies.includes('\r\n-')) {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`redis refused: ${replies.trim()}`));
        return;
      }
      const expected = target.password ? 3 : 2;
      if ((replies.match(/\+OK\r\n/g) ?? []).length >= expected) {
        clearTimeout(timer);
        socket.end();
        resolve();
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
