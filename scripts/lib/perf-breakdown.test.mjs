import { describe, expect, it } from 'vitest';
import { breakdown, parseReport } from './perf-breakdown.mjs';

const report = `# Samples: 703
#
    4.55%  node               [.] Builtins_LoadIC
    1.71%  node               [.] v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>
    1.56%  libc.so.6          [.] malloc
    1.42%  node               [.] ossl_sa_doall_arg
    1.14%  [kernel.kallsyms]  [k] finish_task_switch.isra.0
    0.71%  node               [.] v8::internal::compiler::Scheduler::ScheduleLate
    0.57%  [JIT] tid 30849    [.] 0x00007f3a1c2d
    0.43%  node               [.] llhttp__internal_execute
    0.40%  node               [.] v8::internal::JsonParser<unsigned char>::BuildJsonObject
    0.20%  node               [.] something_else
`;

describe('perf-breakdown', () => {
  it('reads perf report lines and sorts samples into kinds of code', () => {
    const lines = parseReport(report);
    expect(lines).toHaveLength(10);
    expect(lines[4]).toEqual({
      percent: 1.14,
      dso: '[kernel.kallsyms]',
      kernel: true,
      symbol: 'finish_task_switch.isra.0',
    });
    const kinds = Object.fromEntries(breakdown(lines).map(({ kind, percent }) => [kind, percent]));
    expect(kinds).toEqual({
      'V8 builtins (interpreter, inline caches)': 4.55,
      'V8 garbage collector': 1.71,
      'libc (malloc, memcpy, locks)': 1.56,
      'OpenSSL (TLS, crypto)': 1.42,
      kernel: 1.14,
      'V8 optimizing compiler': 0.71,
      'JavaScript (JIT code)': 0.57,
      'llhttp (HTTP parser)': 0.43,
      'V8 runtime (C++)': 0.4,
      other: 0.2,
    });
  });
});
