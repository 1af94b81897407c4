import { connect, type Socket } from 'node:net';

/** What nodemailer's `getSocket` hands back: an open connection it speaks SMTP over (and upgrades to TLS). */
export interface SmtpSocketOptions {
  connection: Socket;
}

/** How long the connection without delay may take before nodemailer connects the usual way instead. */
const FAST_CONNECT_MS = 1_000;

/**
 * A TCP connection to the SMTP server with Nagle's algorithm off, for nodemailer's `getSocket`. nodemailer's own
 * sockets keep Nagle on, so the small writes of each email (MAIL, RCPT, DATA, the message, the final dot) wait
 * for the server's delayed ACK: measured on loopback, a pooled connection carried one email per ~57 ms whatever
 * the CPU. nodemailer still does the rest on this socket: the greeting, STARTTLS or TLS from the first byte
 * (`secure`), AUTH.
 *
 * When this connection fails or takes longer than a second, the answer is "no socket" (`false`), and nodemailer
 * connects itself: its own timeouts, its error codes and its pool's handling of a failed connection stay as
 * they were (a getSocket error would skip the pool's clean-up), at the price of a second attempt.
 */
export function connectWithoutDelay(
  host: string,
  port: number,
  timeoutMs: number,
  callback: (error: null, options: SmtpSocketOptions | false) => void,
): void {
  const socket = connect({ host, port, noDelay: true });
  let settled = false;
  const settle = (connected: boolean): void => {
    if (settled) return; // after the hand-over, nodemailer's own handlers report errors
    settled = true;
    clearTimeout(timer);
    if (connected) {
      socket.setKeepAlive(true);
      callback(null, { connection: socket });
    } else {
      socket.destroy();
      callback(null, false);
    }
  };
  const timer = setTimeout(() => settle(false), Math.min(timeoutMs, FAST_CONNECT_MS));
  socket.on('error', () => settle(false));
  socket.once('connect', () => settle(true));
}
