#!/usr/bin/env node
// Money and stock over the orders a running local system took: after a load test, a chaos run or a day of use.
//
//   ./scripts/start-multi-agent.sh && k6 run loadtest/orders.js
//   node scripts/audit-orders.mjs [--since 10m | --since 2026-12-07T18:00:00Z]      (also: pnpm audit:orders)
//
// Reads the system of MESH_HOME (as meshctl does: default <root>/.mesh), waits up to 30 s for orders still
// mid-saga, and checks every order created since --since (default: since the system started) against the
// payment sandbox's charges and the business database's reservations and stock (lib/order-audit.mjs): each
// completed order holds one succeeded charge of its total and a committed reservation, no other order holds a
// standing charge or a committed reservation, and per SKU `reserved` and `sold` match the reservations. Prints
// one line (or the violations) and exits 0 when everything held, 1 when something broke, 2 on a bad flag or
// when there is nothing to audit.
import { resolve } from 'node:path';
import { meshHomeOf, readLocalState } from './lib/mesh-home.mjs';
import { auditSince, auditSystem } from './lib/order-audit.mjs';

const root = resolve(import.meta.dirname, '..');
const USAGE = 'usage: audit-orders.mjs [--since <minutes>m | <hours>h | <ISO time>]';

function fail(message) {
  console.error(`audit-orders: ${message}`);
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  let since;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] !== '--since' || args[i + 1] === undefined)
      fail(`unknown or incomplete flag ${args[i]} (${USAGE})`);
    try {
      since = auditSince(args[(i += 1)]);
    } catch (error) {
      fail(error.message);
    }
  }
  let state;
  try {
    state = readLocalState(meshHomeOf(process.env, root));
  } catch (error) {
    fail(error.message);
  }
  since ??= new Date(state.startedAt);
  const audit = await auditSystem(state, since);
  if (audit.skipped) fail(`nothing to audit: ${audit.skipped}`);
  console.log(`audit of the orders since ${since.toISOString()}: ${audit.summary}`);
  return audit.problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`audit-orders: ${error.message}`);
    process.exit(2);
  },
);
