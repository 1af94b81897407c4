import { MeshError } from '@mesh/common';
import type { z } from 'zod';

/**
 * A capability's agreed shape, as `@mesh/contracts` defines it. The provider serves it (its tool takes the
 * contract's schemas) and consumers call it (typed from the schemas, results checked against the output), so
 * both sides change together or the compiler says where they disagree. Schemas describe the JSON on the wire:
 * outputs carry no transforms or defaults, since a consumer sees the provider's JSON as it was sent.
 */
export interface CapabilityContract<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly capability: string;
  /** The contract's semver; providers register it as the tool version, consumers ask for `^version`. */
  readonly version: string;
  readonly description?: string | undefined;
  readonly input: I;
  readonly output: O;
  /** Safe to run twice: the provider advertises it and consumers retry transport failures. */
  readonly idempotent: boolean;
  /** The output schema of one call, when it depends on the arguments (operations keyed by `op`). */
  readonly outputFor?: ((args: unknown) => z.ZodType) | undefined;
}

/** How many schema issues an INVALID_RESPONSE error lists in its data. */
const MAX_ISSUES = 5;

/**
 * Checks a provider's result against the contract. Returns the result as it came (not a stripped copy), so a
 * provider that added a field does not lose it for consumers built against an older contract; throws
 * INVALID_RESPONSE naming the first field that does not match.
 */
export function checkResponse(contract: CapabilityContract, args: unknown, result: unknown): unknown {
  const schema = contract.outputFor?.(args) ?? contract.output;
  const parsed = schema.safeParse(result);
  if (parsed.success) return result;
  const issues = parsed.error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  const field = first?.field || '(result)';
  throw new MeshError(
    'INVALID_RESPONSE',
    `${contract.capability}: the response does not match its contract at ${field}: ${first?.message ?? 'invalid'}`,
    { data: { capability: contract.capability, field, issues } },
  );
}
