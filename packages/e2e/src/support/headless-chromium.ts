import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketClient } from './websocket-client.js';

/** Debian's Chromium; tests that need a browser skip where it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * One headless Chromium with one page, driven over the DevTools protocol: navigate, evaluate an expression,
 * take a screenshot. Every call is bounded in time; `close()` stops the browser by its pid.
 */
export class HeadlessPage {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly browser: ChildProcess,
    private readonly profile: string,
    private readonly socket: WebSocketClient,
  ) {}

  /** Starts Chromium on about:blank and attaches to its page. */
  static async launch(
    options: { width?: number; height?: number; timeoutMs?: number } = {},
  ): Promise<HeadlessPage> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does)`);
    }
    const profile = mkdtempSync(join(tmpdir(), 'mesh-chromium-'));
    const browser = spawn(
      CHROMIUM,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--no-first-run',
        '--remote-debugging-address=127.0.0.1',
        '--remote-debugging-port=0',
        `--user-data-dir=${profile}`,
        `--window-size=${options.width ?? 1600},${options.height ?? 1000}`,
        'about:blank',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    const portFile = join(profile, 'DevToolsActivePort');
    try {
      let pageUrl: string | undefined;
      while (pageUrl === undefined) {
        if (Date.now() > deadline) throw new Error('Chromium did not open its DevTools port in time');
        if (browser.exitCode !== null) throw new Error(`Chromium exited with ${browser.exitCode}`);
        if (existsSync(portFile)) {
          const port = readFileSync(portFile, 'utf8').split('\n')[0];
          const targets = await fetch(`http://127.0.0.1:${port}/json/list`, {
            signal: AbortSignal.timeout(2000),
          })
            .then((r) => r.json() as Promise<{ type: string; webSocketDebuggerUrl: string }[]>)
            .catch(() => []);
          pageUrl = targets.find((t) => t.type === 'page')?.webSocketDebuggerUrl;
        }
        if (pageUrl === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The socket's callbacks reach the page made once the socket is open.
      const holder: { page?: HeadlessPage } = {};
      const socket = await WebSocketClient.connect(
        pageUrl,
        (text) => holder.page?.receive(text),
        () => holder.page?.failAll(new Error('the DevTools connection closed')),
      );
      holder.page = new HeadlessPage(browser, profile, socket);
      return holder.page;
    } catch (error: unknown) {
      browser.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
      throw error;
    }
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: { message: string };
    };
    if (message.id === undefined) return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    if (message.error) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result ?? {});
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  /** One DevTools command; rejects after `timeoutMs`. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async navigate(url: string): Promise<void> {
    await this.send('Page.enable');
    await this.send('Page.navigate', { url });
  }

  /** The value of a JavaScript expression in the page (JSON-serialisable values only). */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send('Runtime.evaluate', { expression, returnByValue: true });
    const details = result['exceptionDetails'] as { text?: string } | undefined;
    if (details) throw new Error(`evaluating ${expression}: ${details.text ?? 'exception'}`);
    return (result['result'] as { value: T }).value;
  }

  /** A PNG of the page at its full height. */
  async screenshot(): Promise<Buffer> {
    const result = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(result['data'] as string, 'base64');
  }

  async close(): Promise<void> {
    this.socket.close();
    if (this.browser.exitCode === null) {
      const exited = new Promise((resolve) => this.browser.once('exit', resolve));
      this.browser.kill('SIGTERM');
      const timer = setTimeout(() => this.browser.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Chromium's last writes to its profile can land just after it exits: retry rather than fail the test.
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
