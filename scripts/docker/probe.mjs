// Network probes for check-stand-ins.sh, run with Node inside a container on the checked network (the
// stand-in images have no HTTP or AMQP client of their own that checks what we need). Node only, no packages.
//
//   node probe.mjs http URL [USER PASSWORD]    exits 0 on a 2xx answer; prints the status and the body's start
//   node probe.mjs amqp HOST PORT USER PASSWORD
//                                              exits 0 when an AMQP 0-9-1 PLAIN login is accepted (Tune)
import net from 'node:net';

const TIMEOUT_MS = 5000;

async function http(url, user, password) {
  const headers = user
    ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }
    : {};
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await response.text();
  console.log(`${response.status} ${body.slice(0, 200).replace(/\s+/g, ' ')}`);
  return response.ok;
}

/** An AMQP short string: one length byte, then the bytes. */
function shortString(text) {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** An AMQP long string: a 32-bit length, then the bytes. */
function longString(bytes) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A method frame on channel 0: class, method, arguments. */
function methodFrame(classId, methodId, args) {
  const payload = Buffer.concat([
    Buffer.from([classId >> 8, classId & 255, methodId >> 8, methodId & 255]),
    args,
  ]);
  const header = Buffer.alloc(7);
  header.writeUInt8(1, 0);
  header.writeUInt16BE(0, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([0xce])]);
}

/**
 * Logs in the way every AMQP client starts: protocol header, Connection.Start from the server, Start-Ok
 * with PLAIN credentials; the server answers Connection.Tune when they are right and closes when not.
 */
function amqp(host, port, user, password) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const timer = setTimeout(() => finish(false, 'timed out'), TIMEOUT_MS);
    let buffer = Buffer.alloc(0);
    function finish(ok, what) {
      clearTimeout(timer);
      console.log(what);
      socket.destroy();
      resolve(ok);
    }
    socket.on('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.on('error', (error) => finish(false, `error: ${error.message}`));
    socket.on('close', () => finish(false, 'connection closed by the server (login refused)'));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 7) {
        const size = buffer.readUInt32BE(3);
        if (buffer.length < size + 8) return;
        const frame = buffer.subarray(7, 7 + size);
        buffer = buffer.subarray(size + 8);
        const method = `${frame.readUInt16BE(0)}.${frame.readUInt16BE(2)}`;
        if (method === '10.10') {
          const response = Buffer.from(`\0${user}\0${password}`);
          const noProperties = Buffer.alloc(4);
          socket.write(
            methodFrame(
              10,
              11,
              Buffer.concat([noProperties, shortString('PLAIN'), longString(response), shortString('en_US')]),
            ),
          );
        } else if (method === '10.30') {
          finish(true, 'login accepted (Connection.Tune)');
        } else {
          finish(false, `login refused (method ${method})`);
        }
      }
    });
  });
}

const [what, ...args] = process.argv.slice(2);
let ok = false;
try {
  if (what === 'http') ok = await http(...args);
  else if (what === 'amqp') ok = await amqp(...args);
  else console.error('usage: probe.mjs http URL [USER PASSWORD] | amqp HOST PORT USER PASSWORD');
} catch (error) {
  console.log(`error: ${error instanceof Error ? error.message : String(error)}`);
}
process.exit(ok ? 0 : 1);
