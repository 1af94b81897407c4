import type { TraceContext } from '@mesh/common';

/** Per-call options the gateway passes to the mesh. */
export interface MeshCallOptions {
  trace: TraceContext;
  timeoutMs: number;
}

export interface VerifiedToken {
  user_id: string;
  scopes: string[];
  expires_at: string;
}

/** The mesh as the gateway sees it: one function per upstream capability, plus what is available. */
export interface MeshPorts {
  processOrder(order: Record<string, unknown>, options: MeshCallOptions): Promise<Record<string, unknown>>;
  getOrder(orderId: string, options: MeshCallOptions): Promise<Record<string, unknown>>;
  login(
    credentials: { username: string; password: string; client_address?: string },
    options: MeshCallOptions,
  ): Promise<Record<string, unknown>>;
  /** UNAUTHORIZED (or FORBIDDEN) when the token is not valid. */
  verifyToken(token: string, options: MeshCallOptions): Promise<VerifiedToken>;
  getUser(userId: string, options: MeshCallOptions): Promise<Record<string, unknown>>;
  /** One page of the catalogue: `{products, limit, offset, next_offset}`. */
  listProducts(
    page: { limit: number; offset: number },
    options: MeshCallOptions,
  ): Promise<Record<string, unknown>>;
  /** Capability -> providers currently resolved (0 = unavailable). */
  dependencies(): Record<string, number>;
}

/** The slice of a runtime DependencyProxy used here. */
export interface GatewayProxy {
  readonly providers: number;
  readonly capability: string;
  call<T = unknown>(
    args: Record<string, unknown>,
    opts?: { timeoutMs?: number; trace?: TraceContext },
  ): Promise<T>;
}

export interface GatewayProxies {
  order: GatewayProxy;
  orderGet: GatewayProxy;
  login: GatewayProxy;
  verify: GatewayProxy;
  user: GatewayProxy;
  products: GatewayProxy;
}

/** MeshPorts over the runtime's consumer proxies. */
export function portsFromProxies(deps: GatewayProxies): MeshPorts {
  return {
    processOrder: (order, options) => deps.order.call(order, options),
    getOrder: (orderId, options) => deps.orderGet.call({ order_id: orderId }, options),
    login: (credentials, options) => deps.login.call({ ...credentials }, options),
    verifyToken: (token, options) => deps.verify.call<VerifiedToken>({ token }, options),
    getUser: (userId, options) => deps.user.call({ user_id: userId }, options),
    listProducts: (page, options) => deps.products.call({ limit: page.limit, offset: page.offset }, options),
    dependencies: () =>
      Object.fromEntries(Object.values(deps).map((proxy) => [proxy.capability, proxy.providers])),
  };
}
