/** Public API of @mesh/sandboxes: local stand-ins for the payment gateway and the mail server, and the balancer. */
export { createPaymentSandbox } from './payment/server.js';
export type { Faults, PaymentSandbox, PaymentSandboxOptions } from './payment/server.js';
export { DEMO_PAYMENT_API_KEY, loadPaymentSandboxConfig } from './payment/config.js';
export type { PaymentSandboxConfig } from './payment/config.js';
export { TEST_TOKENS } from './payment/operations.js';
export type { Charge, Refund, LedgerSummary } from './payment/ledger.js';
export { createSmtpSink } from './smtp/server.js';
export type { SmtpSink, SmtpSinkOptions } from './smtp/server.js';
export type { ReceivedMessage } from './smtp/mailbox.js';
export { loadSmtpSinkConfig } from './smtp/config.js';
export type { SmtpSinkConfig } from './smtp/config.js';
export { createBalancer, BALANCER_STATUS_PATH } from './balancer/balancer.js';
export type { BalancerOptions, HttpBalancer } from './balancer/balancer.js';
export { loadBalancerConfig } from './balancer/config.js';
export type { BackendAddress, BalancerConfig } from './balancer/config.js';
