import { orderGet, orderProcessing } from '@mesh/contracts';
import type { ContractOutput } from '@mesh/contracts';
import type { z } from 'zod';

/** The order agent's schemas are its contracts' (`@mesh/contracts`); these names keep the modules short. */
export {
  MAX_ORDER_ITEMS as MAX_ITEMS,
  MAX_ORDER_QUANTITY as MAX_QUANTITY,
  MAX_ORDER_TOTAL as MAX_TOTAL,
  orderErrorSchema,
  orderItemSchema,
} from '@mesh/contracts';

/** The order body `process_order` takes. */
export const orderInput = orderProcessing.input;
export type OrderInput = z.infer<typeof orderInput>;
export type OrderItem = OrderInput['items'][number];

/** What `process_order` answers: the outcome, identical for every replay of the same order_id. */
export const orderResultSchema = orderProcessing.output;
export type OrderResult = ContractOutput<typeof orderProcessing>;
export type OrderError = NonNullable<OrderResult['error']>;

export const getOrderInput = orderGet.input;
/** What `get_order` answers. */
export const orderViewSchema = orderGet.output;
export type OrderView = ContractOutput<typeof orderGet>;
