import type { z } from 'zod';

/**
 * One capability's agreed shape. The provider spreads it into its tool (`agent.tool({ ...contract, name,
 * handler })`), so the tool's capability, version, schemas, description and idempotency are the contract's;
 * consumers declare `{ contract }` dependencies and get calls typed from it and results checked against it.
 * Schemas describe the JSON on the wire: outputs carry no transforms or defaults.
 */
export interface Contract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly capability: string;
  /** Semver; providers register it as the tool version, consumers ask for `^version`. */
  readonly version: string;
  readonly description: string | undefined;
  readonly input: I;
  readonly output: O;
  /** Safe to run twice: the provider advertises it and consumers retry transport failures. */
  readonly idempotent: boolean;
}

/** What `defineContract` takes; `idempotent` defaults to false (a call that must not run twice). */
export interface ContractSpec<I extends z.ZodType, O extends z.ZodType> {
  capability: string;
  version: string;
  description?: string;
  input: I;
  output: O;
  idempotent?: boolean;
}

/** The arguments a consumer passes. */
export type ContractInput<C extends { input: z.ZodType }> = z.input<C['input']>;
/** The result a consumer gets. */
export type ContractOutput<C extends { output: z.ZodType }> = z.output<C['output']>;

const CAPABILITY = /^[a-zA-Z0-9_.-]{1,128}$/;
const SEMVER = /^\d+\.\d+\.\d+$/;

/** Checks the names a registry will see, so a typo fails at import rather than as an unresolved dependency. */
export function checkContractSpec(capability: string, version: string): void {
  if (!CAPABILITY.test(capability)) {
    throw new Error(`contract capability "${capability}" must be 1-128 letters, digits, "_", "-" or "."`);
  }
  if (!SEMVER.test(version)) throw new Error(`contract ${capability}: version "${version}" must be x.y.z`);
}

/** Declares a capability's contract (a frozen value: importing it has no side effects). */
export function defineContract<I extends z.ZodType, O extends z.ZodType>(
  spec: ContractSpec<I, O>,
): Contract<I, O> {
  checkContractSpec(spec.capability, spec.version);
  return Object.freeze({
    capability: spec.capability,
    version: spec.version,
    description: spec.description,
    input: spec.input,
    output: spec.output,
    idempotent: spec.idempotent ?? false,
  });
}
