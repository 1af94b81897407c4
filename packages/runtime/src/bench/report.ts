// The runtime bench's summaries: (c) against the baselines, and strict (c) against plain (c).
import os from 'node:os';
import type { ConnectionCounts } from './consumer-process.js';
import type { LatencyResult, ThroughputResult } from './load.js';

/** What one system measured over the whole run. */
export interface SystemResult {
  /**
   * `a`, `as` (a over mTLS), `b`, `c` (plain), `cs` (strict), `ct` (plain, spans exported), `cv` (contract), or
   * `cb` / `csb` (plain / strict, another build).
   */
  key: string;
  name: string;
  latency: LatencyResult;
  throughput: ThroughputResult;
  idleRssMb: number;
  loadedRssMb: number;
  /**
   * CPU of the system's processes per call in the throughput slices: for (a) and (b) the server's alone (the
   * bench is their client); for (c) the consumer's, the provider's and the registry's.
   */
  cpuUsPerCall: number;
  /** The same, per process of the system (for (c): provider, registry, consumer). */
  cpuUsPerCallByProcess: number[];
  /** (c) only: the consumer agent process. */
  consumerIdleRssMb?: number;
  consumerLoadedRssMb?: number;
  /** (c) only: connections the consumer opened during the measured slices (after the warm-up). */
  connections?: ConnectionCounts;
}

/** How the run was made, for the summaries' headers. */
export interface RunContext {
  command: string;
  rate: number;
  durationMs: number;
  concurrency: number;
  loadAtStart: number;
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

/** "N connections opened for M calls (TLS: F full handshakes, R resumed)". */
export function connectionsText(counts: ConnectionCounts, calls: number): string {
  const tls =
    counts.tlsFull + counts.tlsResumed > 0
      ? ` (TLS: ${counts.tlsFull} full handshakes, ${counts.tlsResumed} resumed)`
      : '';
  return `${counts.opened} connections opened for ${calls} calls after the warm-up${tls}`;
}

function header(context: RunContext): string {
  return `Command: \`${context.command}\` (\`pnpm bench:runtime\` = \`pnpm --filter @mesh/runtime bench\` after a build). One run, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, loopback; load average at start ${context.loadAtStart.toFixed(1)}.`;
}

function row(result: SystemResult): string {
  return `| ${result.name} | ${result.latency.p50Ms.toFixed(3)} | ${result.latency.p99Ms.toFixed(3)} | ${result.throughput.callsPerSec.toFixed(0)} | ${result.idleRssMb.toFixed(0)} | ${result.loadedRssMb.toFixed(0)} |`;
}

function strictRow(label: string, result: SystemResult): string {
  return `| ${label} | ${result.latency.p50Ms.toFixed(3)} | ${result.latency.p99Ms.toFixed(3)} | ${result.throughput.callsPerSec.toFixed(0)} | ${result.cpuUsPerCall.toFixed(0)} | ${result.idleRssMb.toFixed(0)} / ${result.loadedRssMb.toFixed(0)} |`;
}

/** (c) plain against (a) and (b), with the runtime's goals; undefined unless all three were measured. */
export function runtimeSummary(results: readonly SystemResult[], context: RunContext): string | undefined {
  const raw = results.find((result) => result.key === 'a');
  const sdk = results.find((result) => result.key === 'b');
  const ours = results.find((result) => result.key === 'c');
  if (!raw || !sdk || !ours) return undefined;
  const addedP50 = ours.latency.p50Ms - raw.latency.p50Ms;
  const addedP99 = ours.latency.p99Ms - raw.latency.p99Ms;
  const ratio = ours.throughput.callsPerSec / sdk.throughput.callsPerSec;
  const consumerIdle = ours.consumerIdleRssMb ?? Number.NaN;
  const consumerLoaded = ours.consumerLoadedRssMb ?? Number.NaN;
  const seconds = context.durationMs / 1000;
  return [
    '## Runtime: per-hop latency and throughput',
    '',
    header(context),
    `Latency: open loop at ${context.rate} calls/s, ${seconds} s per system (p50/p99 of one hop, client to server and back). Throughput: ${context.concurrency} concurrent callers, ${seconds} s per system. Systems measured in interleaved 1 s slices, order rotated each round; before each slice the servers are left to go idle and the load generator's heap is collected. RSS of the server process (for (c): the provider agent). The consumer agent of (c) runs in a process of its own and makes, and times, its calls there (the bench only tells it over IPC which slice to run), so its RSS is measured apart; it includes that small load loop.`,
    '',
    '| System | p50 ms | p99 ms | calls/s | idle RSS MB | loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(row),
    '',
    `- Added latency over (a): p50 ${addedP50.toFixed(3)} ms (goal <= 0.5: ${verdict(addedP50 <= 0.5)}), p99 ${addedP99.toFixed(3)} ms (goal <= 2: ${verdict(addedP99 <= 2)}).`,
    `- Throughput vs (b): ${ratio.toFixed(1)}x (goal >= 3x: ${verdict(ratio >= 3)}).`,
    `- Consumer agent of (c): idle RSS ${consumerIdle.toFixed(0)} MB, loaded ${consumerLoaded.toFixed(0)} MB.`,
    `- Idle RSS of an agent: provider ${ours.idleRssMb.toFixed(0)} MB, consumer ${consumerIdle.toFixed(0)} MB (goal < 80: ${verdict(Math.max(ours.idleRssMb, consumerIdle) < 80)}).`,
    '',
    '(a) answers tools/call with no validation; (b) is the SDK set up as documented for stateless servers (a new',
    'McpServer and transport per request, JSON responses); (c) includes everything the runtime does on a call:',
    'balancing, circuit breaker, deadline and traceparent headers, zod validation, metrics.',
  ].join('\n');
}

/** (a) over mTLS against (a): what Node's TLS alone costs a call, with nothing of ours in the path. */
function nodeTlsLine(results: readonly SystemResult[]): string[] {
  const plain = results.find((result) => result.key === 'a');
  const tls = results.find((result) => result.key === 'as');
  if (!plain || !tls) return [];
  const added = tls.latency.p50Ms - plain.latency.p50Ms;
  const cpu = tls.cpuUsPerCall - plain.cpuUsPerCall;
  return [
    `- Node's TLS alone, (a) over mTLS against (a): p50 ${signed(added)} ms, server CPU per call ${cpu >= 0 ? '+' : ''}${cpu.toFixed(0)} µs (${(tls.cpuUsPerCall / plain.cpuUsPerCall).toFixed(2)}x), calls/s ${(tls.throughput.callsPerSec / plain.throughput.callsPerSec).toFixed(2)}x.`,
  ];
}

/**
 * What strict mode costs one hop: (c) strict against (c) plain, measured in the same interleaved slices.
 * Undefined unless both were measured.
 */
export function strictSummary(results: readonly SystemResult[], context: RunContext): string | undefined {
  const off = results.find((result) => result.key === 'c');
  const strict = results.find((result) => result.key === 'cs');
  if (!off || !strict) return undefined;
  const addedP50 = strict.latency.p50Ms - off.latency.p50Ms;
  const addedP99 = strict.latency.p99Ms - off.latency.p99Ms;
  const ratio = strict.throughput.callsPerSec / off.throughput.callsPerSec;
  const addedCpu = strict.cpuUsPerCall - off.cpuUsPerCall;
  const calls = (result: SystemResult): number => result.latency.calls + result.throughput.calls;
  const opened = (result: SystemResult): string =>
    result.connections ? connectionsText(result.connections, calls(result)) : 'not counted';
  return [
    '## Runtime: strict mTLS against off, one hop',
    '',
    header(context),
    '',
    '| (c) consumer -> provider | p50 ms | p99 ms | calls/s | CPU µs per call | provider idle / loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    strictRow('off', off),
    strictRow('strict', strict),
    '',
    `- Added per hop by strict: p50 ${signed(addedP50)} ms (goal <= 0.2: ${verdict(addedP50 <= 0.2)}), p99 ${signed(addedP99)} ms.`,
    `- Calls/s strict / off: ${ratio.toFixed(2)} (${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %); CPU per call (consumer, provider and registry) ${addedCpu >= 0 ? '+' : ''}${addedCpu.toFixed(0)} µs (${(strict.cpuUsPerCall / off.cpuUsPerCall).toFixed(2)}x).`,
    `- Connections, off: ${opened(off)}; strict: ${opened(strict)}.`,
    ...nodeTlsLine(results),
  ].join('\n');
}

/**
 * What exporting spans costs one hop: (c) with OTLP export against (c) without, in the same interleaved slices.
 * Undefined unless both were measured.
 */
export function tracingSummary(
  results: readonly SystemResult[],
  context: RunContext,
  received: { requests: number; bytes: number } | undefined,
): string | undefined {
  const off = results.find((result) => result.key === 'c');
  const traced = results.find((result) => result.key === 'ct');
  if (!off || !traced) return undefined;
  const ratio = traced.throughput.callsPerSec / off.throughput.callsPerSec;
  const addedCpu = traced.cpuUsPerCall - off.cpuUsPerCall;
  return [
    '## Runtime: spans exported against not, one hop',
    '',
    header(context),
    '',
    '| (c) consumer -> provider | p50 ms | p99 ms | calls/s | CPU µs per call | provider idle / loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    strictRow('no export', off),
    strictRow('OTLP export', traced),
    '',
    `- Added per hop by span export: p50 ${signed(traced.latency.p50Ms - off.latency.p50Ms)} ms, p99 ${signed(traced.latency.p99Ms - off.latency.p99Ms)} ms.`,
    `- Calls/s exported / not: ${ratio.toFixed(2)}; CPU per call ${addedCpu >= 0 ? '+' : ''}${addedCpu.toFixed(0)} µs (${(traced.cpuUsPerCall / off.cpuUsPerCall).toFixed(2)}x).`,
    ...(received
      ? [`- The sink received ${received.requests} export requests, ${(received.bytes / 1e6).toFixed(1)} MB.`]
      : []),
  ].join('\n');
}

/**
 * (c) against (cb), and (cs) against (csb) when measured: this build's hop against another build's, off and
 * strict, with the CPU split by process. Undefined unless one pair was measured.
 */
export function baselineSummary(results: readonly SystemResult[], context: RunContext): string | undefined {
  const pairs = (
    [
      ['off', 'c', 'cb'],
      ['strict', 'cs', 'csb'],
    ] as const
  ).flatMap(([mode, oursKey, baselineKey]) => {
    const ours = results.find((result) => result.key === oursKey);
    const baseline = results.find((result) => result.key === baselineKey);
    return ours && baseline ? [{ mode, ours, baseline }] : [];
  });
  if (pairs.length === 0) return undefined;
  const split = (result: SystemResult): string =>
    result.cpuUsPerCallByProcess.map((us) => us.toFixed(0)).join(' + ');
  return [
    '## Runtime: this build against a baseline build, one hop',
    '',
    header(context),
    '',
    '| (c) consumer -> provider | p50 ms | p99 ms | calls/s | CPU µs per call | provider idle / loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...pairs.flatMap(({ mode, ours, baseline }) => [
      strictRow(`baseline, ${mode}`, baseline),
      strictRow(`this build, ${mode}`, ours),
    ]),
    '',
    ...pairs.map(({ mode, ours, baseline }) => {
      const ratio = ours.throughput.callsPerSec / baseline.throughput.callsPerSec;
      const addedCpu = ours.cpuUsPerCall - baseline.cpuUsPerCall;
      return `- ${mode}: this build against the baseline: p50 ${signed(ours.latency.p50Ms - baseline.latency.p50Ms)} ms, p99 ${signed(ours.latency.p99Ms - baseline.latency.p99Ms)} ms, calls/s ${ratio.toFixed(2)}x, CPU per call ${addedCpu >= 0 ? '+' : ''}${addedCpu.toFixed(0)} µs (${(ours.cpuUsPerCall / baseline.cpuUsPerCall).toFixed(2)}x; provider + registry + consumer ${split(baseline)} -> ${split(ours)}).`;
    }),
  ].join('\n');
}

/** (c) against (cv): the same hop with each result checked against a contract's output schema. */
export function contractSummary(results: readonly SystemResult[], context: RunContext): string | undefined {
  const plain = results.find((result) => result.key === 'c');
  const checked = results.find((result) => result.key === 'cv');
  if (!plain || !checked) return undefined;
  const ratio = checked.throughput.callsPerSec / plain.throughput.callsPerSec;
  const addedCpu = checked.cpuUsPerCall - plain.cpuUsPerCall;
  return [
    '## Runtime: results checked against a contract, one hop',
    '',
    header(context),
    '',
    '| (c) consumer -> provider | p50 ms | p99 ms | calls/s | CPU µs per call | provider idle / loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    strictRow('plain capability', plain),
    strictRow('contract', checked),
    '',
    `- Checking results: p50 ${signed(checked.latency.p50Ms - plain.latency.p50Ms)} ms, p99 ${signed(checked.latency.p99Ms - plain.latency.p99Ms)} ms, calls/s ${ratio.toFixed(2)}x, CPU per call ${addedCpu >= 0 ? '+' : ''}${addedCpu.toFixed(0)} µs (${(checked.cpuUsPerCall / plain.cpuUsPerCall).toFixed(2)}x).`,
  ].join('\n');
}
