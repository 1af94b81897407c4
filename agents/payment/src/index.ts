/** Public API of @mesh/agent-payment: the agent declaration and its domain pieces (for tests and reuse). */
export { agent } from './agent.js';
export type { PaymentServices } from './agent.js';
export { loadConfig, SANDBOX_DEMO_API_KEY } from './config.js';
export type { PaymentAgentConfig } from './config.js';
export { GatewayClient } from './gateway-client.js';
export type { GatewayClientOptions, GatewayCharge } from './gateway-client.js';
export { PaymentService, refundKey } from './payment-service.js';
export type { PaymentResult, RefundResult, ProcessPaymentInput } from './payment-service.js';
export { MemoryPaymentStore } from './payment-store.js';
export type { PaymentStore, PaymentRecord, PaymentStatus } from './payment-store.js';
export { PgPaymentStore, PAYMENT_MIGRATIONS } from './pg-payment-store.js';
export { buildPaymentServices } from './services.js';
export { toCents, fromCents } from './money.js';
