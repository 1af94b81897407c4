import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EmailChannel } from '../channels.js';
import { SmtpChannel, type SmtpChannelOptions } from '../smtp-channel.js';

/**
 * CPU per confirmation email, in this process (SmtpChannel and nodemailer) and in the SMTP sink (a child
 * process), over loopback: `node dist/bench/email-bench.js --emails 4000 --batch 8 --pool 5`. Emails go out in
 * batches of `--batch` at once, as the order agent's `notification_send_emails` calls bring them. Prints one
 * JSON line per round; compare rounds of one run, since the host's load moves every figure. `--compare
 * <other tree>/agents/notification/dist/smtp-channel.js` alternates rounds between that build's SmtpChannel
 * and this one's, against the same sink.
 */
const { values } = parseArgs({
  options: {
    emails: { type: 'string', default: '4000' },
    batch: { type: 'string', default: '8' },
    pool: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    compare: { type: 'string' },
  },
});
const emails = Math.min(Math.max(Number(values.emails), 100), 100_000);
const batch = Math.min(Math.max(Number(values.batch), 1), 100);
const poolSize = Math.min(Math.max(Number(values.pool), 1), 50);
const rounds = Math.min(Math.max(Number(values.rounds), 1), 10);
const sinkMain = fileURLToPath(new URL('../../../../packages/sandboxes/dist/smtp-sink.js', import.meta.url));

const smtpPort = await freePort();
const sink = spawn(process.execPath, [sinkMain], {
  env: {
    ...process.env,
    SMTP_PORT: String(smtpPort),
    HTTP_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  await waitForPort(smtpPort, 15_000);
  const options: SmtpChannelOptions = {
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    from: 'Mesh Shop <orders@mesh.example>',
    poolSize,
    timeoutMs: 10_000,
  };
  const builds: { build: string; channel: EmailChannel }[] = [
    { build: 'this', channel: new SmtpChannel(options) },
  ];
  if (values.compare !== undefined) {
    const other = (await import(values.compare)) as { SmtpChannel: typeof SmtpChannel };
    builds.unshift({ build: 'compare', channel: new other.SmtpChannel(options) });
  }
  // Warm-up: connections open, code paths compiled.
  for (const { channel } of builds) await sendAll(channel, Math.min(500, emails), 'warm');
  for (let turn = 0; turn < rounds * builds.length; turn += 1) {
    const round = Math.floor(turn / builds.length) + 1;
    const { build, channel } = builds[turn % builds.length]!;
    const sinkBefore = childCpuMs(sink);
    const before = process.cpuUsage();
    const started = performance.now();
    await sendAll(channel, emails, `r${round}`);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(before);
    const sinkMs = childCpuMs(sink) - sinkBefore;
    process.stdout.write(
      `${JSON.stringify({
        round,
        build,
        emails,
        batch,
        pool: poolSize,
        emails_per_s: Math.round(emails / seconds),
        agent_cpu_ms_per_email: +((used.user + used.system) / 1000 / emails).toFixed(3),
        sink_cpu_ms_per_email: +(sinkMs / emails).toFixed(3),
      })}\n`,
    );
  }
  for (const { channel } of builds) await channel.close();
} finally {
  sink.kill('SIGTERM');
}

/** Sends `count` order confirmations, `batch` at a time. */
async function sendAll(channel: EmailChannel, count: number, tag: string): Promise<void> {
  for (let sent = 0; sent < count; sent += batch) {
    const size = Math.min(batch, count - sent);
    await Promise.all(
      Array.from({ length: size }, (_, i) => {
        const orderId = `ord-${tag}-${sent + i}`;
        return channel.send({
          messageId: `order-confirmation-${orderId}`,
          to: `user${(sent + i) % 60}@example.com`,
          subject: `Order ${orderId} confirmed`,
          text: [
            'Your order has been processed successfully.',
            '',
            `Order: ${orderId}`,
            '  1 x WIDGET-1',
            '  2 x GADGET-7',
            'Total: 59.97 USD',
            'Payment: pay_3f9a0c2e7b1d4a5c',
          ].join('\n'),
          orderId,
        });
      }),
    );
  }
}

/** User and system CPU of a child so far, from /proc (Linux), in ms. */
function childCpuMs(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`smtp sink did not listen on ${port} within ${timeoutMs} ms`);
}
