import { MeshError } from '@mesh/common';
import { canTransition, isTerminal } from './order-state.js';
import type { OrderState } from './order-state.js';
import { ANNOUNCE_GRACE_MS } from './order-store.js';
import type { NewOrder, OrderPatch, OrderRecord, OrderStore } from './order-store.js';

/**
 * Orders in process memory, with the same lease semantics as PgOrderStore. For unit tests and for running the
 * agent without PostgreSQL (a single replica that loses its orders on restart: never for production).
 */
export class MemoryOrderStore implements OrderStore {
  private readonly orders = new Map<string, OrderRecord>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly announceGraceMs = ANNOUNCE_GRACE_MS,
  ) {}

  private clone(order: OrderRecord): OrderRecord {
    return structuredClone(order);
  }

  private leaseExpired(order: OrderRecord): boolean {
    return order.leaseUntil === null || order.leaseUntil.getTime() <= this.now();
  }

  async create(
    order: NewOrder,
    owner: string,
    leaseMs: number,
  ): Promise<{ created: boolean; order: OrderRecord }> {
    const existing = this.orders.get(order.orderId);
    if (existing) return { created: false, order: this.clone(existing) };
    const now = new Date(this.now());
    const { state = 'received', ...fields } = structuredClone(order);
    const terminal = isTerminal(state);
    const record: OrderRecord = {
      userEmail: null,
      userPhone: null,
      reservationId: null,
      paymentId: null,
      paymentStatus: 'none',
      error: null,
      ...fields,
      state,
      leaseOwner: terminal ? null : owner,
      leaseUntil: terminal ? null : new Date(this.now() + leaseMs),
      attempts: 1,
      announceDue: terminal ? new Date(this.now() + this.announceGraceMs) : null,
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(order.orderId, record);
    return { created: true, order: this.clone(record) };
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const order = this.orders.get(orderId);
    return order ? this.clone(order) : undefined;
  }

  async transition(
    orderId: string,
    owner: string,
    state: OrderState,
    patch: OrderPatch = {},
  ): Promise<OrderRecord> {
    const order = this.orders.get(orderId);
    if (!order) throw new MeshError('NOT_FOUND', `order ${orderId} does not exist`);
    if (!canTransition(order.state, state)) {
      throw new MeshError('CONFLICT', `order ${orderId} cannot go from ${order.state} to ${state}`);
    }
    if (order.leaseOwner !== owner || this.leaseExpired(order)) {
      throw new MeshError('LEASE_LOST', `order ${orderId} is no longer held by ${owner}`);
    }
    Object.assign(order, structuredClone(patch), { state, updatedAt: new Date(this.now()) });
    if (isTerminal(state)) {
      order.leaseOwner = null;
      order.leaseUntil = null;
      order.announceDue ??= new Date(this.now() + this.announceGraceMs);
    }
    return this.clone(order);
  }

  async claim(orderId: string, owner: string, leaseMs: number): Promise<OrderRecord | undefined> {
    const order = this.orders.get(orderId);
    if (!order || isTerminal(order.state) || !this.leaseExpired(order)) return undefined;
    this.take(order, owner, leaseMs);
    return this.clone(order);
  }

  async claimStale(owner: string, leaseMs: number, limit: number): Promise<OrderRecord[]> {
    const due = [...this.orders.values()]
      .filter((order) => !isTerminal(order.state) && this.leaseExpired(order))
      .slice(0, limit);
    for (const order of due) this.take(order, owner, leaseMs);
    return due.map((order) => this.clone(order));
  }

  async renew(owner: string, orderIds: readonly string[], leaseMs: number): Promise<number> {
    let held = 0;
    for (const id of orderIds) {
      const order = this.orders.get(id);
      if (order && order.leaseOwner === owner && !isTerminal(order.state)) {
        order.leaseUntil = new Date(this.now() + leaseMs);
        held += 1;
      }
    }
    return held;
  }

  async release(orderId: string, owner: string, retryAfterMs: number): Promise<void> {
    const order = this.orders.get(orderId);
    if (order && order.leaseOwner === owner && !isTerminal(order.state)) {
      order.leaseOwner = null;
      order.leaseUntil = new Date(this.now() + retryAfterMs);
    }
  }

  async states(orderIds: readonly string[]): Promise<Map<string, OrderState>> {
    const found = new Map<string, OrderState>();
    for (const id of orderIds) {
      const order = this.orders.get(id);
      if (order) found.set(id, order.state);
    }
    return found;
  }

  async markAnnounced(orderIds: readonly string[]): Promise<void> {
    for (const id of orderIds) {
      const order = this.orders.get(id);
      if (order) order.announceDue = null;
    }
  }

  async claimUnannounced(limit: number, retryMs: number): Promise<OrderRecord[]> {
    const now = this.now();
    const due = [...this.orders.values()]
      .filter((order) => order.announceDue !== null && order.announceDue.getTime() <= now)
      .sort((a, b) => a.announceDue!.getTime() - b.announceDue!.getTime())
      .slice(0, limit);
    for (const order of due) order.announceDue = new Date(now + retryMs);
    return due.map((order) => this.clone(order));
  }

  /** Test helper: forces a lease to expire, as if its holder had crashed long ago. */
  expireLease(orderId: string): void {
    const order = this.orders.get(orderId);
    if (order) order.leaseUntil = new Date(this.now() - 1);
  }

  private take(order: OrderRecord, owner: string, leaseMs: number): void {
    order.leaseOwner = owner;
    order.leaseUntil = new Date(this.now() + leaseMs);
    order.attempts += 1;
    order.updatedAt = new Date(this.now());
  }
}
