import { MeshError } from '@mesh/common';
import type {
  ContractInput,
  ContractOutput,
  cartAddItems,
  cartCheckout,
  cartClear,
  cartGet,
  cartSetItems,
  productGet,
  recommendationGet,
} from '@mesh/contracts';
import type { GatewayProxy, MeshCallOptions } from './mesh-ports.js';

type CartView = ContractOutput<typeof cartGet>;
type CartLine = { sku: string; quantity: number };

/** The shop's capabilities as the gateway sees them: a product, the user's cart, checkout, recommendations. */
export interface ShopPorts {
  getProduct(sku: string, options: MeshCallOptions): Promise<ContractOutput<typeof productGet>>;
  getCart(userId: string, options: MeshCallOptions): Promise<CartView>;
  /** `add` adds quantities; `set` sets them (0 removes a line). */
  changeCart(
    userId: string,
    items: CartLine[],
    mode: 'add' | 'set',
    options: MeshCallOptions,
  ): Promise<CartView>;
  clearCart(userId: string, options: MeshCallOptions): Promise<CartView>;
  checkout(
    input: ContractInput<typeof cartCheckout>,
    options: MeshCallOptions,
  ): Promise<ContractOutput<typeof cartCheckout>>;
  recommend(
    input: ContractInput<typeof recommendationGet>,
    options: MeshCallOptions,
  ): Promise<ContractOutput<typeof recommendationGet>>;
}

export interface ShopProxies {
  product: GatewayProxy<typeof productGet>;
  cart: GatewayProxy<typeof cartGet>;
  cartAdd: GatewayProxy<typeof cartAddItems>;
  cartSet: GatewayProxy<typeof cartSetItems>;
  cartClear: GatewayProxy<typeof cartClear>;
  checkout: GatewayProxy<typeof cartCheckout>;
  recommendations: GatewayProxy<typeof recommendationGet>;
}

/** ShopPorts over the runtime's consumer proxies. */
export function shopPortsFromProxies(deps: ShopProxies): ShopPorts {
  return {
    getProduct: (sku, options) => deps.product.call({ sku }, options),
    getCart: (userId, options) => deps.cart.call({ user_id: userId }, options),
    changeCart: (userId, items, mode, options) =>
      mode === 'add'
        ? deps.cartAdd.call({ user_id: userId, items }, options)
        : deps.cartSet.call({ user_id: userId, items }, options),
    clearCart: (userId, options) => deps.cartClear.call({ user_id: userId }, options),
    checkout: (input, options) => deps.checkout.call(input, options),
    recommend: (input, options) => deps.recommendations.call(input, options),
  };
}

/** Shop ports that are never there (DEPENDENCY_UNAVAILABLE): for meshes that serve orders only (benchmarks). */
export function shopUnavailable(): ShopPorts {
  const unavailable = (capability: string) => () =>
    Promise.reject(new MeshError('DEPENDENCY_UNAVAILABLE', `no provider for ${capability}`));
  return {
    getProduct: unavailable('product_get'),
    getCart: unavailable('cart_get'),
    changeCart: unavailable('cart_add_items'),
    clearCart: unavailable('cart_clear'),
    checkout: unavailable('cart_checkout'),
    recommend: unavailable('recommendation_get'),
  };
}
