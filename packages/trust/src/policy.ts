import type { MeshIdentity } from './identity.js';
import { describeIdentity, REGISTRY_IDENTITY_NAME } from './identity.js';

/** What the policy needs of one agent of architecture.yml. */
export interface PolicyAgent {
  readonly name: string;
  readonly provides: readonly string[];
  /** Agent names whose capabilities this agent calls. */
  readonly dependsOn: readonly string[];
  /**
   * Capabilities only some callers may use, besides the operator: `{ payment_refund: ['order-agent'] }`.
   * An empty list makes a capability operator-only.
   */
  readonly restricted?: Readonly<Record<string, readonly string[]>>;
}

/** An authorization verdict; `reason` is written for the refused party and the operator's log alike. */
export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: Decision = Object.freeze({ allowed: true });

function refuse(reason: string): Decision {
  return { allowed: false, reason };
}

/** The capability a runtime registers for an agent's consumer-only dependencies (`api_gateway_consumer_1`). */
export function isConsumerCapabilityOf(agentName: string, capability: string): boolean {
  const prefix = `${agentName.replace(/-/g, '_')}_consumer_`;
  return capability.startsWith(prefix) && /^\d+$/.test(capability.slice(prefix.length));
}

/**
 * Who may do what in the mesh, derived from architecture.yml: an agent registers only the capabilities it
 * provides, calls only capabilities of agents it depends on (restricted ones only when named), and the operator
 * may do anything. Identities of another trust domain are refused everywhere.
 */
export class MeshPolicy {
  private readonly agents = new Map<string, PolicyAgent>();
  private readonly providers = new Map<string, Set<string>>();

  constructor(
    readonly trustDomain: string,
    agents: readonly PolicyAgent[],
  ) {
    for (const agent of agents) {
      this.agents.set(agent.name, agent);
      for (const capability of agent.provides) {
        let names = this.providers.get(capability);
        if (!names) this.providers.set(capability, (names = new Set()));
        names.add(agent.name);
      }
    }
  }

  /** Agent names allowed to provide a capability (empty when none is). */
  providersOf(capability: string): ReadonlySet<string> {
    return this.providers.get(capability) ?? new Set();
  }

  agent(name: string): PolicyAgent | undefined {
    return this.agents.get(name);
  }

  /** The operator, or the registry's proxy acting for it (only the operator may use the proxy). */
  isOperator(identity: MeshIdentity): boolean {
    if (identity.trustDomain !== this.trustDomain) return false;
    return identity.kind === 'operator';
  }

  /** May this identity register (advertise) this capability? */
  mayRegister(identity: MeshIdentity, capability: string): Decision {
    const base = this.member(identity);
    if (!base.allowed) return base;
    if (identity.kind !== 'agent') return refuse(`${describeIdentity(identity)} is not an agent`);
    if (this.providersOf(capability).has(identity.name)) return ALLOWED;
    if (isConsumerCapabilityOf(identity.name, capability)) return ALLOWED;
    return refuse(`${describeIdentity(identity)} does not provide ${capability} in architecture.yml`);
  }

  /** May this identity call `capability` on a replica of the agent `provider`? */
  mayCall(caller: MeshIdentity, provider: string, capability: string): Decision {
    const base = this.member(caller);
    if (!base.allowed) return base;
    if (caller.kind === 'operator') return ALLOWED;
    if (caller.name === REGISTRY_IDENTITY_NAME) return ALLOWED;
    const providing = this.agents.get(provider);
    if (!providing || !providing.provides.includes(capability))
      return refuse(`${provider} does not provide ${capability} in architecture.yml`);
    const callerAgent = this.agents.get(caller.name);
    if (!callerAgent || !callerAgent.dependsOn.includes(provider))
      return refuse(`${describeIdentity(caller)} does not depend on ${provider} in architecture.yml`);
    const allowedCallers = providing.restricted?.[capability];
    if (allowedCallers !== undefined && !allowedCallers.includes(caller.name))
      return refuse(
        allowedCallers.length === 0
          ? `${capability} is operator-only`
          : `${capability} is restricted to ${allowedCallers.join(', ')} and the operator`,
      );
    return ALLOWED;
  }

  /** May this identity heartbeat, watch or delete a registration made by the agent `owner`? */
  mayManage(identity: MeshIdentity, owner: string): Decision {
    const base = this.member(identity);
    if (!base.allowed) return base;
    if (identity.kind === 'operator') return ALLOWED;
    if (identity.kind === 'agent' && identity.name === owner) return ALLOWED;
    return refuse(`${describeIdentity(identity)} may not act for ${owner}`);
  }

  /** Any identity of this trust domain: enough to read the topology. */
  member(identity: MeshIdentity): Decision {
    if (identity.trustDomain !== this.trustDomain)
      return refuse(`trust domain ${identity.trustDomain} is not ${this.trustDomain}`);
    return ALLOWED;
  }
}
