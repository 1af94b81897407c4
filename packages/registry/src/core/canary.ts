import { invalidField } from './validate-registration.js';

/**
 * An operator's canary for one agent name: replicas registering `version` get `weight` percent of the calls
 * to that agent, the other (stable) version the rest. The record exists before the canary replica registers,
 * so a new version never takes every call the moment it appears. Weight 0 is a rollback (the canary is not
 * listed), 100 a promotion (the canary becomes the winner and the stable version is no longer listed).
 */
export interface CanaryRecord {
  readonly agent_name: string;
  readonly version: string;
  /** Percent of calls, 0-100. */
  readonly weight: number;
  /** Epoch ms of the last change. */
  readonly updated_at: number;
}

/** Canary records by agent name, as the resolver reads them. */
export type CanaryLookup = ReadonlyMap<string, CanaryRecord>;

export const NO_CANARIES: CanaryLookup = new Map();

const AGENT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Semantic version (the runtime validates agent versions the same way). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Validates an agent name taken from the path. */
export function checkCanaryName(name: string): string {
  if (!AGENT_NAME.test(name)) throw invalidField('agent_name', 'must be 1-64 letters, digits, "_" or "-"');
  return name;
}

/** Parses the body of `PUT /canaries/{agent_name}`: `{ "version": "2.0.0", "weight": 10 }`. */
export function parseCanaryBody(agentName: string, body: unknown, now: number): CanaryRecord {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidField('(body)', 'expected a JSON object with version and weight');
  const { version, weight } = body as Record<string, unknown>;
  if (typeof version !== 'string' || !SEMVER.test(version))
    throw invalidField('version', 'must be a semantic version such as 2.0.0');
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100)
    throw invalidField('weight', 'must be a whole percentage from 0 to 100');
  return { agent_name: checkCanaryName(agentName), version, weight, updated_at: now };
}

/**
 * Whether a replica of `name`@`version` is held back from winning a resolution: the canary version while
 * it takes less than every call, the stable versions once it takes them all.
 */
export function heldBack(canaries: CanaryLookup, name: string, version: string): boolean {
  const canary = canaries.get(name);
  if (canary === undefined) return false;
  return canary.weight >= 100 ? version !== canary.version : version === canary.version;
}

/** The canary sharing calls with a winner of `name`@`version`, if one is active (0 < weight < 100). */
export function splittingCanary(
  canaries: CanaryLookup,
  name: string,
  version: string,
): CanaryRecord | undefined {
  const canary = canaries.get(name);
  if (canary === undefined || canary.weight <= 0 || canary.weight >= 100 || canary.version === version)
    return undefined;
  return canary;
}
