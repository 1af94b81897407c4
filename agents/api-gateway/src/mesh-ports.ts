import type { TraceContext } from '@mesh/common';
import type {
  ContractInput,
  ContractOutput,
  authLogin,
  authRevocations,
  authSigningKeys,
  orderGet,
  orderProcessing,
  productList,
  userGet,
} from '@mesh/contracts';
import type { CapabilityContract, ContractProxy } from '@mesh/runtime';
import { shopPortsFromProxies, type ShopPorts, type ShopProxies } from './shop-ports.js';

/** Per-call options the gateway passes to the mesh. */
export interface MeshCallOptions {
  trace: TraceContext;
  timeoutMs: number;
}

/** A bearer token the gateway accepted. */
export interface VerifiedToken {
  user_id: string;
  scopes: string[];
  expires_at: string;
}

/** The mesh as the gateway sees it: one function per upstream capability, plus what is available. */
export interface MeshPorts extends ShopPorts {
  processOrder(
    order: ContractInput<typeof orderProcessing>,
    options: MeshCallOptions,
  ): Promise<ContractOutput<typeof orderProcessing>>;
  getOrder(orderId: string, options: MeshCallOptions): Promise<ContractOutput<typeof orderGet>>;
  login(
    credentials: ContractInput<typeof authLogin>,
    options: MeshCallOptions,
  ): Promise<ContractOutput<typeof authLogin>>;
  /** The public keys that verify access tokens (auth_signing_keys). */
  signingKeys(options: MeshCallOptions): Promise<ContractOutput<typeof authSigningKeys>>;
  /** Token revocations after `cursor` (auth_revocations). */
  revocations(
    cursor: string | undefined,
    options: MeshCallOptions,
  ): Promise<ContractOutput<typeof authRevocations>>;
  getUser(userId: string, options: MeshCallOptions): Promise<ContractOutput<typeof userGet>>;
  /** One page of the catalogue, searched by `q`: `{products, total, limit, offset, next_offset}`. */
  listProducts(
    page: { q?: string | undefined; limit: number; offset: number },
    options: MeshCallOptions,
  ): Promise<ContractOutput<typeof productList>>;
  /** Capability -> providers currently resolved (0 = unavailable). */
  dependencies(): Record<string, number>;
}

/** The slice of a runtime contract proxy used here: `call` is typed by the capability's contract. */
export type GatewayProxy<C extends CapabilityContract> = Pick<
  ContractProxy<C>,
  'providers' | 'capability' | 'call'
>;

export interface GatewayProxies extends ShopProxies {
  order: GatewayProxy<typeof orderProcessing>;
  orderGet: GatewayProxy<typeof orderGet>;
  login: GatewayProxy<typeof authLogin>;
  signingKeys: GatewayProxy<typeof authSigningKeys>;
  revocations: GatewayProxy<typeof authRevocations>;
  user: GatewayProxy<typeof userGet>;
  products: GatewayProxy<typeof productList>;
}

/** MeshPorts over the runtime's consumer proxies. */
export function portsFromProxies(deps: GatewayProxies): MeshPorts {
  return {
    ...shopPortsFromProxies(deps),
    processOrder: (order, options) => deps.order.call(order, options),
    getOrder: (orderId, options) => deps.orderGet.call({ order_id: orderId }, options),
    login: (credentials, options) => deps.login.call({ ...credentials }, options),
    signingKeys: (options) => deps.signingKeys.call({}, options),
    revocations: (cursor, options) => deps.revocations.call(cursor === undefined ? {} : { cursor }, options),
    getUser: (userId, options) => deps.user.call({ user_id: userId }, options),
    listProducts: (page, options) =>
      deps.products.call(
        { ...(page.q === undefined ? {} : { q: page.q }), limit: page.limit, offset: page.offset },
        options,
      ),
    dependencies: () =>
      Object.fromEntries(Object.values(deps).map((proxy) => [proxy.capability, proxy.providers])),
  };
}
