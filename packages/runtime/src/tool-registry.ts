import { z } from 'zod';
import type { Logger, TraceContext } from '@mesh/common';
import type { CapabilityContract } from './contract.js';
import type { ContractProxy, DependencyProxy } from './dependency-proxy.js';

/**
 * A tag filter in MCP Mesh syntax: `"tag"` required, `"+tag"` preferred, `"-tag"` excluded,
 * a nested array is an OR group (`["addition", ["python", "typescript"]]`).
 */
export type TagSpec = string | readonly string[];

/** A dependency declared in full; only `capability` is required. */
export interface DependencySpec {
  capability: string;
  tags?: readonly TagSpec[];
  /** Semver range, e.g. `>=1.0.0`. */
  version?: string;
  namespace?: string;
  /** Per-call timeout (defaults to DEPENDENCY_TIMEOUT). */
  timeoutMs?: number;
  /** Retries on transport failures, only when the call is safe to repeat. */
  retries?: number;
  /** The remote tool may run twice without harm, so transport failures may be retried. */
  idempotent?: boolean;
  /** `/ready` stays 503 until this dependency has a provider. */
  required?: boolean;
}

/**
 * A dependency on a contract: capability, idempotency and the version range (`^version`) come from it, and
 * the proxy's `call` is typed by it and checks results against its output.
 */
export interface ContractDependency<C extends CapabilityContract = CapabilityContract> extends Omit<
  DependencySpec,
  'capability' | 'idempotent'
> {
  contract: C;
  /** Defaults to the contract's. */
  idempotent?: boolean;
}

/** A capability name, a full spec, or a contract dependency. */
export type DependencyDecl = string | DependencySpec | ContractDependency;

export type DependencyDecls = Record<string, DependencyDecl>;

/** The proxy for one declaration: typed by its contract when it has one. */
export type ProxyFor<T> = T extends { contract: infer C extends CapabilityContract }
  ? ContractProxy<C>
  : DependencyProxy;

/** The typed proxies a handler receives: one per declared dependency, by the declared key. */
export type DependencyProxies<D extends DependencyDecls> = { readonly [K in keyof D]: ProxyFor<D[K]> };

/** What a tool handler receives besides its validated input. */
export interface ToolContext<App, D extends DependencyDecls = DependencyDecls> {
  /** The services main.ts built (pool, cache…). */
  readonly app: App;
  readonly deps: DependencyProxies<D>;
  /** This call's span; dependency calls made through `deps` become its children. */
  readonly trace: TraceContext;
  /** Epoch ms after which the caller has given up. */
  readonly deadline: number;
  /** Aborts when the deadline passes or the caller disconnects. */
  readonly signal: AbortSignal;
  /** A child logger carrying tool (and, through the log context, trace_id and span_id). */
  readonly logger: Logger;
  /** This call's server span, to describe it (`order.id`); attributes cost nothing when spans are not exported. */
  readonly span: { setAttribute(key: string, value: string | number | boolean): void };
  /** The caller's idempotency key, when it sent one. */
  readonly idempotencyKey: string | undefined;
}

type OutputOf<O> = O extends z.ZodType ? z.input<O> : unknown;

/** A tool declaration: MCP tool name, mesh capability, schemas, dependencies and the handler. */
export interface ToolDefinition<
  App,
  I extends z.ZodType,
  O extends z.ZodType | undefined,
  D extends DependencyDecls,
> {
  /** MCP tool name (= registry function_name). */
  name: string;
  /** Capability it provides (defaults to the name). */
  capability?: string;
  version?: string;
  tags?: readonly string[];
  description?: string;
  /** Validated before the handler runs; becomes the MCP inputSchema. */
  input: I;
  /** Optional; becomes the MCP outputSchema (must describe an object). */
  output?: O;
  dependencies?: D;
  /** Tells callers the tool may run twice without harm (advertised in registry kwargs). */
  idempotent?: boolean;
  /**
   * For a tool that answers a business failure with a result rather than an error (a declined charge, a
   * failed order): the failure's code for such a result, undefined for a success. The caller still gets the
   * result; the call is counted with that code as its outcome and its span ends with ERROR status.
   */
  outcome?: (result: OutputOf<O>) => string | undefined;
  handler: (input: z.output<I>, ctx: ToolContext<App, D>) => Promise<OutputOf<O>> | OutputOf<O>;
}

/** A dependency after normalisation. */
export interface NormalizedDependency {
  /** Key in ctx.deps. */
  name: string;
  capability: string;
  tags: TagSpec[];
  version: string;
  /** Undefined = the agent's namespace. */
  namespace: string | undefined;
  timeoutMs: number | undefined;
  retries: number | undefined;
  idempotent: boolean;
  required: boolean;
  /** Results are checked against it when set. */
  contract: CapabilityContract | undefined;
}

/** A tool after normalisation: what the MCP handler and registry client work from. */
export interface RegisteredTool {
  name: string;
  capability: string;
  version: string;
  tags: string[];
  description: string;
  idempotent: boolean;
  input: z.ZodType;
  output: z.ZodType | undefined;
  inputJsonSchema: Record<string, unknown>;
  outputJsonSchema: Record<string, unknown> | undefined;
  dependencies: NormalizedDependency[];
  /** The business failure a result reports (see ToolDefinition.outcome). */
  outcome: ((result: unknown) => string | undefined) | undefined;
  handler: (input: unknown, ctx: ToolContext<unknown, DependencyDecls>) => unknown;
}

const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Normalises one dependency declaration. */
export function normalizeDependency(name: string, decl: DependencyDecl): NormalizedDependency {
  const contract = typeof decl === 'object' && 'contract' in decl ? decl.contract : undefined;
  const spec: Omit<DependencySpec, 'capability'> & { capability?: string } =
    typeof decl === 'string' ? { capability: decl } : decl;
  const capability = contract?.capability ?? spec.capability;
  if (!capability) throw new Error(`dependency "${name}": capability is required`);
  return {
    name,
    capability,
    tags: [...(spec.tags ?? [])].map((tag) => (typeof tag === 'string' ? tag : [...tag])),
    // A contract's consumer accepts any provider of the same major version, at least as new as it knows.
    version: spec.version ?? (contract ? `^${contract.version}` : ''),
    namespace: spec.namespace,
    timeoutMs: spec.timeoutMs,
    retries: spec.retries,
    idempotent: spec.idempotent ?? contract?.idempotent ?? false,
    required: spec.required ?? false,
    contract,
  };
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
}

/** Validates and normalises a tool definition; throws on mistakes a developer must fix. */
export function normalizeTool(
  definition: ToolDefinition<unknown, z.ZodType, z.ZodType | undefined, DependencyDecls>,
): RegisteredTool {
  if (!TOOL_NAME_PATTERN.test(definition.name)) {
    throw new Error(`tool name "${definition.name}" must be 1-128 letters, digits, "_", "-" or "."`);
  }
  const inputJsonSchema = toJsonSchema(definition.input, 'input');
  if (inputJsonSchema['type'] !== 'object') {
    throw new Error(`tool "${definition.name}": input must be a z.object (MCP inputSchema is an object)`);
  }
  const outputJsonSchema = definition.output ? toJsonSchema(definition.output, 'output') : undefined;
  const dependencies = Object.entries(definition.dependencies ?? {}).map(([name, decl]) =>
    normalizeDependency(name, decl),
  );
  return {
    name: definition.name,
    capability: definition.capability ?? definition.name,
    version: definition.version ?? '1.0.0',
    tags: [...(definition.tags ?? [])],
    description: definition.description ?? '',
    idempotent: definition.idempotent ?? false,
    input: definition.input,
    output: definition.output,
    inputJsonSchema,
    outputJsonSchema: outputJsonSchema?.['type'] === 'object' ? outputJsonSchema : undefined,
    dependencies,
    outcome: definition.outcome as RegisteredTool['outcome'],
    handler: definition.handler as RegisteredTool['handler'],
  };
}
