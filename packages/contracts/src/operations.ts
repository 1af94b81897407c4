import { z } from 'zod';
import { checkContractSpec } from './define-contract.js';
import type { Contract } from './define-contract.js';

/** One operation of a multiplexed capability: its own input (without `op`) and output. */
export interface OperationSpec {
  input: z.ZodObject;
  output: z.ZodType;
}

export type OperationSpecs = Record<string, OperationSpec>;

/** The arguments of operation `K`: `op` plus that operation's input, as a caller writes them. */
export type OperationArgs<Ops extends OperationSpecs, K extends keyof Ops & string = keyof Ops & string> = {
  [P in K]: { op: P } & z.input<Ops[P]['input']>;
}[K];

/** The same, as the provider receives them (defaults applied). */
export type ParsedOperation<Ops extends OperationSpecs, K extends keyof Ops & string = keyof Ops & string> = {
  [P in K]: { op: P } & z.output<Ops[P]['input']>;
}[K];

/** The result of operation `K` (a union over all of them by default). */
export type OperationResult<Ops extends OperationSpecs, K extends keyof Ops & string = keyof Ops & string> = {
  [P in K]: z.output<Ops[P]['output']>;
}[K];

type OperationResultInput<Ops extends OperationSpecs> = {
  [P in keyof Ops & string]: z.input<Ops[P]['output']>;
}[keyof Ops & string];

/** What `run` calls: a runtime dependency proxy of this contract (or anything with the same `call`). */
export interface OperationCaller<Ops extends OperationSpecs, Options> {
  call(args: OperationArgs<Ops>, opts?: Options): Promise<unknown>;
}

/**
 * A capability that multiplexes typed operations on `op` (a discriminated union): one tool, each operation
 * with its own input and output. The runtime checks each result against the output of the operation called
 * (`outputFor`), and `run` types the result by `op`.
 */
export interface OperationsContract<Ops extends OperationSpecs> extends Contract<
  z.ZodType<ParsedOperation<Ops>, OperationArgs<Ops>>,
  z.ZodType<OperationResult<Ops>, OperationResultInput<Ops>>
> {
  readonly operations: Ops;
  /** The output schema of the operation `args.op` names. */
  outputFor(args: unknown): z.ZodType;
  /** Calls one operation through a dependency proxy of this contract; the result is typed by `op`. */
  run<A extends OperationArgs<Ops>, Options>(
    proxy: OperationCaller<Ops, Options>,
    args: A,
    opts?: Options,
  ): Promise<OperationResult<Ops, A['op']>>;
}

export interface OperationsSpec<Ops extends OperationSpecs> {
  capability: string;
  version: string;
  description?: string;
  idempotent?: boolean;
  operations: Ops;
}

/** Declares a contract of typed operations keyed by `op`. */
export function defineOperations<Ops extends OperationSpecs>(
  spec: OperationsSpec<Ops>,
): OperationsContract<Ops> {
  checkContractSpec(spec.capability, spec.version);
  const entries = Object.entries(spec.operations);
  if (entries.length === 0) throw new Error(`contract ${spec.capability}: no operations`);
  const variants = entries.map(([op, operation]) => operation.input.extend({ op: z.literal(op) }));
  // MCP wants an object input schema: the union's JSON schema gets `type: object` next to its `oneOf`.
  const input = z
    .discriminatedUnion('op', variants as [(typeof variants)[number], ...(typeof variants)[number][]])
    .meta({ type: 'object' });
  const outputs = entries.map(([, operation]) => operation.output);
  const output = z.union(outputs as [z.ZodType, ...z.ZodType[]]);
  const outputFor = (args: unknown): z.ZodType => {
    const op = typeof args === 'object' && args !== null ? (args as { op?: unknown }).op : undefined;
    return typeof op === 'string' && Object.hasOwn(spec.operations, op)
      ? spec.operations[op]!.output
      : output;
  };
  return Object.freeze({
    capability: spec.capability,
    version: spec.version,
    description: spec.description,
    idempotent: spec.idempotent ?? false,
    input: input as unknown as z.ZodType<ParsedOperation<Ops>, OperationArgs<Ops>>,
    output: output as unknown as z.ZodType<OperationResult<Ops>, OperationResultInput<Ops>>,
    operations: spec.operations,
    outputFor,
    run: async <A extends OperationArgs<Ops>, Options>(
      proxy: OperationCaller<Ops, Options>,
      args: A,
      opts?: Options,
    ): Promise<OperationResult<Ops, A['op']>> =>
      // The runtime checked the result against outputFor(args): it is this operation's output.
      (await proxy.call(args, opts)) as OperationResult<Ops, A['op']>,
  });
}
