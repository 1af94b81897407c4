import { MeshError } from '@mesh/common';

/** Every name a new agent goes by, derived from the one the user typed. */
export interface AgentName {
  /** The agent's name in the mesh, compose and Helm: `shipping-agent`. */
  readonly agent: string;
  /** Its package directory, relative to the repository root: `agents/shipping`. */
  readonly packageDir: string;
  /** Its npm package name: `@mesh/agent-shipping`. */
  readonly packageName: string;
  /** The prefix of its capabilities and environment variables: `shipping` (`SHIPPING_`). */
  readonly snake: string;
  /** For type names: `Shipping`. */
  readonly pascal: string;
}

/** Lower-case words joined by single hyphens; the container image starts `<base>-agent` from agents/<base>. */
const BASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** <name>-pods (the chart's headless Service) must stay a DNS label, and defineAgent allows 55 characters. */
const MAX_BASE = 40;
/** Names the mesh gives to its own parts. */
const RESERVED = new Set(['registry', 'meshctl', 'api-gateway', 'gateway', 'mesh']);

/**
 * Parses `shipping` or `shipping-agent` into every name the agent goes by; throws INVALID_AGENT_NAME saying
 * what a valid name looks like.
 */
export function parseAgentName(typed: string): AgentName {
  const base = typed.endsWith('-agent') ? typed.slice(0, -'-agent'.length) : typed;
  if (!BASE.test(base) || base.length > MAX_BASE)
    throw new MeshError(
      'INVALID_AGENT_NAME',
      `"${typed}" is not a valid agent name: use lower-case letters and digits, words joined by single ` +
        `hyphens, starting with a letter, at most ${MAX_BASE} characters (e.g. shipping or fraud-check)`,
    );
  if (RESERVED.has(base))
    throw new MeshError('INVALID_AGENT_NAME', `"${typed}" is reserved for the mesh's own ${base}`);
  const words = base.split('-');
  return {
    agent: `${base}-agent`,
    packageDir: `agents/${base}`,
    packageName: `@mesh/agent-${base}`,
    snake: words.join('_'),
    pascal: words.map((word) => `${word[0]!.toUpperCase()}${word.slice(1)}`).join(''),
  };
}
