import {
  inventoryCheckStock,
  inventoryCommitReservation,
  inventoryListProducts,
  inventoryQuote,
  inventoryReserveItems,
  inventoryRestock,
} from '@mesh/contracts';
import type { ContractOutput, inventoryCommitReservations } from '@mesh/contracts';
import type { z } from 'zod';

/** The inventory agent's schemas are its contracts' (`@mesh/contracts`); these names keep the modules short. */
export {
  MAX_ITEMS,
  MAX_PAGE,
  MAX_QUANTITY,
  MAX_TTL_SECONDS,
  itemSchema,
  reservationStatus,
} from '@mesh/contracts';
export type { Item } from '@mesh/contracts';

export const checkStockInput = inventoryCheckStock.input;
export const checkStockOutput = inventoryCheckStock.output;
export type CheckStockResult = ContractOutput<typeof inventoryCheckStock>;

export const reserveInput = inventoryReserveItems.input;
export type ReserveInput = z.output<typeof reserveInput>;
export const reservationOutput = inventoryReserveItems.output;
export type ReservationResult = ContractOutput<typeof inventoryReserveItems>;

export const reservationRefInput = inventoryCommitReservation.input;
export const transitionOutput = inventoryCommitReservation.output;
export type TransitionResult = ContractOutput<typeof inventoryCommitReservation>;

export type CommitManyResult = ContractOutput<typeof inventoryCommitReservations>;

export const restockInput = inventoryRestock.input;
export const restockOutput = inventoryRestock.output;
export type RestockResult = ContractOutput<typeof inventoryRestock>;

export const quoteInput = inventoryQuote.input;
export const quoteOutput = inventoryQuote.output;
export type Quote = ContractOutput<typeof inventoryQuote>;

export const listProductsInput = inventoryListProducts.input;
export const listProductsOutput = inventoryListProducts.output;
export type ListProductsResult = ContractOutput<typeof inventoryListProducts>;
export type Product = ListProductsResult['products'][number];
