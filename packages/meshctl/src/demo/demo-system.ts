/**
 * What the demo system started by ./scripts/start-multi-agent.sh holds (its seeded users, SKUs and payment
 * sandbox key), as `meshctl chaos` uses it unless told otherwise. Kept apart from meshctl's core, which
 * takes all of it as options: a system of one's own passes its own.
 */
export const DEMO_SYSTEM = Object.freeze({
  /** The agents chaos may kill: the order path's, each with replicas or state that recovery must survive. */
  chaosVictims: ['auth-agent', 'user-agent', 'inventory-agent', 'payment-agent', 'order-agent'],
  /** A seeded user and its demo password, who logs in through the gateway to place the orders. */
  shopper: { username: 'user-1', password: 'demo' },
  /** Seeded SKUs with enough stock for a chaos run, kept apart from the load test's ITEM-1…10. */
  chaosSkus: ['ITEM-11', 'ITEM-12', 'ITEM-13', 'ITEM-14', 'ITEM-15'],
  /** The local payment sandbox's key (PAYMENT_API_KEY overrides it). */
  paymentSandboxKey: 'sk_test_mesh_sandbox_4eC39HqLyjWDarjtT1zdp7dc',
});
