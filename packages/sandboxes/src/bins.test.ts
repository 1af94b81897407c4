import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { freePort, startNode, stopAllProcesses, waitForHttp } from '@mesh/testkit';
import { DEMO_PAYMENT_API_KEY } from './payment/config.js';

const dist = (name: string): string => fileURLToPath(new URL(`../dist/${name}`, import.meta.url));

describe('sandbox executables', { timeout: 30_000 }, () => {
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('runs the payment sandbox with the demo key and stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const sandbox = startNode(dist('payment-sandbox.js'), [], {
      env: { PORT: String(port), LOG_LEVEL: 'warn' },
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, { status: 200 });
    const response = await fetch(`${base}/v1/charges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_PAYMENT_API_KEY}`, 'idempotency-key': 'bin-1' },
      body: new URLSearchParams({ amount: '500', currency: 'eur', source: 'tok_visa' }),
    });
    expect(response.status).toBe(200);
    expect(await sandbox.stop()).toBe(0);
  });

  it('runs the smtp sink and lists a delivered mail over HTTP', async () => {
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    const sink = startNode(dist('smtp-sink.js'), [], {
      env: { SMTP_PORT: String(smtpPort), HTTP_PORT: String(httpPort), LOG_LEVEL: 'warn' },
    });
    await waitForHttp(`http://127.0.0.1:${httpPort}/health`, { status: 200 });
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    await mailer.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'via process', text: 'hi' });
    mailer.close();
    const listed = (await (await fetch(`http://127.0.0.1:${httpPort}/messages`)).json()) as Array<{
      subject: string;
    }>;
    expect(listed.map((m) => m.subject)).toEqual(['via process']);
    expect(await sink.stop()).toBe(0);
  });

  it('runs the http balancer over the backends it is given and stops on SIGTERM with exit 0', async () => {
    const [backendPort, port] = [await freePort(), await freePort()];
    const backend = startNode(dist('payment-sandbox.js'), [], {
      env: { PORT: String(backendPort), LOG_LEVEL: 'warn' },
    });
    await waitForHttp(`http://127.0.0.1:${backendPort}/health`, { status: 200 });
    const balancer = startNode(dist('http-balancer.js'), [], {
      env: {
        PORT: String(port),
        BALANCER_BACKENDS: `127.0.0.1:${backendPort}`,
        BALANCER_HEALTH_PATH: '/health',
        LOG_LEVEL: 'warn',
      },
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`, { status: 200 });
    const status = (await (await fetch(`http://127.0.0.1:${port}/balancer-status`)).json()) as {
      backends: { address: string }[];
    };
    expect(status.backends.map((b) => b.address)).toEqual([`127.0.0.1:${backendPort}`]);
    expect(await balancer.stop()).toBe(0);
    expect(await backend.stop()).toBe(0);
  });

  it('refuses to start without backends, naming the variable', () => {
    const result = spawnSync(process.execPath, [dist('http-balancer.js')], {
      env: { ...process.env, BALANCER_BACKENDS: '' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toContain('BALANCER_BACKENDS');
  });
});
