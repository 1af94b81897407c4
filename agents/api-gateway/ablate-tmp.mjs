import { spawn } from 'node:child_process';
const here = new URL('./dist/bench/', import.meta.url).pathname;
const { postOrders } = await import(here + 'load-phase.js');
const { settleProcesses, cpuTicks } = await import('@mesh/testkit');
const dists = process.argv.slice(2).map((a) => a.split('='));
const gws = [];
for (const [label, dist] of dists) {
  const child = spawn(process.execPath, [here + 'gateway-server.js', dist], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((res) => child.stdout.on('data', (c) => { const m = /LISTENING (\d+)/.exec(String(c)); if (m) res(m[1]); }));
  gws.push({ label, child, url: `http://127.0.0.1:${port}`, cpu: [], rps: [] });
}
for (const g of gws) await postOrders(g.url, { connections: 16, durationMs: 2000 });
for (let round = 0; round < Number(process.env.ROUNDS ?? 4); round++) {
  const order = round % 2 ? [...gws].reverse() : gws;
  for (const g of order) {
    await settleProcesses(gws.map((x) => x.child.pid));
    const t0 = cpuTicks(g.child.pid);
    const r = await postOrders(g.url, { connections: 16, durationMs: 3000 });
    g.cpu.push(((cpuTicks(g.child.pid) - t0) * 10000) / r.orders); g.rps.push(r.ordersPerSec);
  }
}
const med = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const g of gws) { console.log(g.label.padEnd(10), 'cpu µs/order', g.cpu.map((x) => x.toFixed(0)).join(' '), 'median', med(g.cpu).toFixed(0), '| orders/s median', med(g.rps).toFixed(0)); g.child.kill(); }
