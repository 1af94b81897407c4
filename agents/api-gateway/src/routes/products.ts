import { MeshError, sendJson, toMeshError } from '@mesh/common';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { skuSchema } from '../shop-validation.js';
import { productsQuery, validate } from '../validation.js';

/**
 * GET /products and GET /products/:sku: public, as a shop's catalogue is (the route table counts them against
 * the client address). Served by the product agent (search over its cached copy of the catalogue).
 */
export function productRoutes(ctx: GatewayContext) {
  const list = async (req: Request, res: Response): Promise<void> => {
    const page = validate(productsQuery, req.query, 'query');
    sendJson(res, 200, await ctx.mesh.listProducts(page, ctx.callOptions(scopeOf(res))));
  };

  const show = async (req: Request, res: Response): Promise<void> => {
    const sku = validate(skuSchema, req.params['sku'], 'sku');
    const product = await ctx.mesh.getProduct(sku, ctx.callOptions(scopeOf(res))).catch((raw: unknown) => {
      throw toMeshError(raw).code === 'NOT_FOUND'
        ? new MeshError('NOT_FOUND', `no product with SKU ${sku}`)
        : raw;
    });
    sendJson(res, 200, product);
  };

  return { list, show };
}
