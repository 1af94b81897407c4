import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
const kinds = process.argv.slice(2);
const servers = [];
for (const kind of kinds) {
  const child = spawn(process.execPath, ['./calib-server-tmp.mjs', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((res) => child.stdout.on('data', (c) => { const m = /LISTENING (\d+)/.exec(String(c)); if (m) res(m[1]); }));
  servers.push({ kind, child, port, us: [] });
}
const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return Number(x[11]) + Number(x[12]); };
const run = (port, d) => new Promise((res) => autocannon({ url: `http://127.0.0.1:${port}/orders`, connections: 16, duration: d, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_id: 'x', user_id: 'u', items: [{ sku: 'ITEM-1', quantity: 1 }] }) }, (e, r) => res(r)));
for (const s of servers) await run(s.port, 2);
for (let round = 0; round < 5; round++) for (const s of round % 2 ? [...servers].reverse() : servers) {
  const t0 = ticks(s.child.pid); const r = await run(s.port, 3); s.us.push(((ticks(s.child.pid) - t0) * 10000) / r.requests.total);
}
const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const s of servers) { console.log(s.kind.padEnd(15), 'µs/req', s.us.map((x) => x.toFixed(0)).join(' '), 'median', med(s.us).toFixed(0)); s.child.kill(); }
