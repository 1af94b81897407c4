/**
 * The order saga's states. Forward: reserved -> completed (two writes per order; the user lookup and the
 * reservation happen before the first, which stores the order already reserved with its payment pending; the
 * charge and the commit of the reservation between the two, the second recording the payment). `received`,
 * `user_validated`, `charged` and `committed` are states earlier versions wrote; such orders still resume. A
 * failure before any side effect ends in `failed`; after one, the order goes `compensating` (the decision to
 * fail is then final; an order that failed holding stock is stored in it) and ends `compensated` once the
 * charge is refunded and the reservation released.
 */
export const ORDER_STATES = [
  'received',
  'user_validated',
  'reserved',
  'charged',
  'committed',
  'completed',
  'failed',
  'compensating',
  'compensated',
] as const;

export type OrderState = (typeof ORDER_STATES)[number];

/** States nothing more happens in. */
export const TERMINAL_STATES: readonly OrderState[] = ['completed', 'failed', 'compensated'];

/** What the payment step is known to have done (drives whether compensation must refund). */
export type PaymentStatus = 'none' | 'pending' | 'succeeded' | 'declined' | 'refunded';

export function isTerminal(state: OrderState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Whether the outcome is decided (terminal, or compensating: it will fail, only cleanup is left). */
export function isDecided(state: OrderState): boolean {
  return isTerminal(state) || state === 'compensating';
}

/** The status clients see: processing until decided, then completed or failed. */
export function publicStatus(state: OrderState): 'processing' | 'completed' | 'failed' {
  if (state === 'completed') return 'completed';
  if (state === 'failed' || state === 'compensating' || state === 'compensated') return 'failed';
  return 'processing';
}

/**
 * Allowed transitions. `reserved` goes straight to `completed` (charged and committed in between); `charged`
 * stays reachable for replicas of earlier versions during a rolling upgrade. Any non-terminal state may fail
 * (`failed` only while no side effect can have happened, which the saga decides) or start compensating.
 */
const NEXT: Readonly<Record<OrderState, readonly OrderState[]>> = {
  received: ['user_validated', 'reserved', 'failed', 'compensating'],
  user_validated: ['reserved', 'failed', 'compensating'],
  reserved: ['completed', 'charged', 'compensating'],
  charged: ['committed', 'completed', 'compensating'],
  committed: ['completed'],
  compensating: ['compensated'],
  completed: [],
  failed: [],
  compensated: [],
};

export function canTransition(from: OrderState, to: OrderState): boolean {
  return from === to || NEXT[from].includes(to);
}
