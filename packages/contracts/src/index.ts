/**
 * Public API of @mesh/contracts: each capability's zod input and output, one module per providing agent.
 * Providers spread a contract into `agent.tool(...)`; consumers declare `{ contract }` dependencies.
 */
export { defineContract } from './define-contract.js';
export type { Contract, ContractInput, ContractOutput, ContractSpec } from './define-contract.js';
export { defineOperations } from './operations.js';
export type {
  OperationArgs,
  OperationCaller,
  OperationResult,
  OperationSpec,
  OperationSpecs,
  OperationsContract,
  OperationsSpec,
  ParsedOperation,
} from './operations.js';
export {
  MAX_COMMITS_PER_CALL,
  MAX_ITEMS,
  MAX_PAGE,
  MAX_QUANTITY,
  MAX_TTL_SECONDS,
  inventoryCheckStock,
  inventoryCommitReservation,
  inventoryCommitReservations,
  inventoryListProducts,
  inventoryQuote,
  inventoryReleaseReservation,
  inventoryReserveItems,
  inventoryRestock,
  itemSchema,
  reservationStatus,
} from './inventory.js';
export type { Item } from './inventory.js';
export {
  USER_PROFILE_INVALIDATION_CHANNEL,
  emailSchema,
  nameSchema,
  phoneSchema,
  userCreate,
  userGet,
  userIdSchema,
  userList,
  userProfileCacheKey,
  userSchema,
  userUpdate,
  usernameSchema,
} from './user.js';
export {
  MAX_REVOCATIONS_PAGE,
  SCOPE_PATTERN,
  authLogin,
  authRegisterCredentials,
  authRevocations,
  authRevokeToken,
  authSigningKeys,
  authUsernameSchema,
  authVerifyToken,
  clientAddressSchema,
  passwordSchema,
  publicJwkSchema,
  scopeSchema,
  signingKeySchema,
  tokenSchema,
} from './auth.js';
export { MAX_AMOUNT, paymentProcess, paymentRefund, paymentStandingCharges } from './payment.js';
export type { StandingCharge } from './payment.js';
export {
  MAX_EMAILS_PER_CALL,
  emailMessageSchema,
  notificationReceipt,
  notificationSendEmail,
  notificationSendEmails,
  notificationSendPush,
  notificationSendSms,
} from './notification.js';
export {
  MAX_EVENTS_PER_CALL,
  MAX_EVENT_AMOUNT,
  analyticsRecordEvent,
  analyticsRecordEvents,
  analyticsReport,
  orderEventSchema,
} from './analytics.js';
export {
  MAX_ORDER_ITEMS,
  MAX_ORDER_QUANTITY,
  MAX_ORDER_TOTAL,
  idSchema,
  orderErrorSchema,
  orderGet,
  orderItemSchema,
  orderProcessing,
} from './order.js';
export {
  DB_MAX_COMMITS,
  DB_MAX_RESERVES,
  DB_MAX_ITEMS,
  DB_MAX_PAGE,
  DB_MAX_QUANTITY,
  DB_MAX_TTL_SECONDS,
  dataQuery,
  dataStorage,
  lineItemSchema,
  reservationSchema,
  reservationStatusSchema,
  reservedPriceSchema,
  stockLevelSchema,
} from './database.js';
export type {
  LineItem,
  QueryArgs,
  QueryOperation,
  QueryResult,
  Reservation,
  ReservedPrice,
  StockLevel,
  StorageArgs,
  StorageOperation,
  StorageResult,
} from './database.js';
export { PRODUCT_MAX_PAGE, productGet, productList, productLookup, productSchema } from './product.js';
export type { ProductView } from './product.js';
export {
  CART_MAX_LINES,
  CART_MAX_QUANTITY,
  cartAddItems,
  cartCheckout,
  cartClear,
  cartGet,
  cartLineSchema,
  cartSetItems,
  cartViewSchema,
  checkoutKeySchema,
} from './cart.js';
export type { CartView } from './cart.js';
export { RECOMMENDATION_MAX, recommendationGet, recommendationSchema } from './recommendation.js';
