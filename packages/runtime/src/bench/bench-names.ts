// Agent names of system (c), apart from bench-trust.ts so the consumer agent process loads nothing else.

/** The echo provider's agent name (its certificate names agent/echo-provider in strict mode). */
export const BENCH_PROVIDER = 'echo-provider';
/** The consumer agent's name (agent/bench-consumer). */
export const BENCH_CONSUMER = 'bench-consumer';
