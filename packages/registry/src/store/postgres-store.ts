import { randomUUID } from 'node:crypto';
import { MeshError, silentLogger } from '@mesh/common';
import type { Logger } from '@mesh/common';
import pg from 'pg';
import type { CanaryRecord } from '../core/canary.js';
import type { AgentRecord, EventFilter, RegistryEvent } from '../core/types.js';
import { runRegistryMigrations } from './migrations.js';
import { PostgresCanaries } from './postgres-canaries.js';
import type { RegistryStore, SaveResult } from './registry-store.js';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  readonly poolMax?: number;
  readonly logger?: Logger;
  /** How often batched heartbeat times are written (default 250 ms; far below any health threshold). */
  readonly touchFlushMs?: number;
  /**
   * A heartbeat time is written only when it is at least this much newer (jittered down to half, so agents
   * spread out over the flushes) than the one last written for the agent (default 5 s, a quarter of the default
   * 20 s health threshold): an agent sending HEADs more often costs no more writes, and replicas still see it
   * alive long before the threshold.
   */
  readonly touchMinStepMs?: number;
}

const CHANNEL = 'mesh_registry_changes';
const EVENT_RETENTION = 100_000;

interface AgentRow {
  record: Omit<AgentRecord, 'status' | 'created_at' | 'last_seen' | 'status_changed_at'>;
  status: AgentRecord['status'];
  created_at: string;
  last_seen: string;
  status_changed_at: string;
}

interface EventRow {
  event_type: RegistryEvent['event_type'];
  agent_id: string;
  agent_name: string | null;
  function_name: string | null;
  ts: string;
  data: Record<string, unknown> | null;
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    ...row.record,
    status: row.status,
    created_at: Number(row.created_at),
    last_seen: Number(row.last_seen),
    status_changed_at: Number(row.status_changed_at),
  };
}

function storageError(error: unknown, action: string): MeshError {
  return new MeshError('STORAGE_ERROR', `registry database: could not ${action}`, { cause: error });
}

/**
 * Agents and events in PostgreSQL, shared by registry replicas. Topology writes send NOTIFY so the other
 * replicas reload; health transitions are conditional UPDATE/DELETE … RETURNING, so a transition (and its
 * event) happens on exactly one replica. Heartbeat times are batched into one UPDATE per flush.
 */
export class PostgresStore implements RegistryStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly replicaId = randomUUID();
  private readonly logger: Logger;
  private readonly pendingTouches = new Map<string, number>();
  /** The last heartbeat time written per agent (or already pending), to skip writes within touchMinStepMs. */
  private readonly writtenTouches = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];
  private listenClient: pg.Client | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closing = false;
  private readonly canaries: PostgresCanaries;

  constructor(private readonly options: PostgresStoreOptions) {
    this.logger = options.logger ?? silentLogger();
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      // Registry state is soft (agents re-register, heartbeat times are rewritten every few seconds), so a
      // commit need not wait for its WAL flush: a database crash could lose the last moment of writes, which
      // the next heartbeats restore. The data stays consistent either way.
      options: '-c synchronous_commit=off',
    });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'idle database connection failed'));
    this.canaries = new PostgresCanaries(this.pool, CHANNEL, this.replicaId);
  }

  async init(): Promise<void> {
    const ran = await runRegistryMigrations(this.pool);
    if (ran.length > 0) this.logger.info({ migrations: ran }, 'registry migrations applied');
    await this.listen();
    this.flushTimer = setInterval(
      () => void this.flushTouches().catch(() => undefined),
      this.options.touchFlushMs ?? 250,
    );
    this.flushTimer.unref();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString });
    client.on('notification', (message) => {
      if (message.payload !== this.replicaId) for (const listener of this.listeners) listener();
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'change listener connection lost; reconnecting');
      void client.end().catch(() => undefined);
      if (this.listenClient === client) this.listenClient = undefined;
      this.scheduleRelisten();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listenClient = client;
  }

  private scheduleRelisten(): void {
    if (this.closing) return;
    const timer = setTimeout(() => {
      this.listen().then(
        // Changes may have been missed while disconnected: have the registry reload.
        () => this.listeners.forEach((listener) => listener()),
        () => this.scheduleRelisten(),
      );
    }, 1000);
    timer.unref();
  }

  async loadAgents(): Promise<AgentRecord[]> {
    try {
      const result = await this.pool.query<AgentRow>(
        'SELECT record, status, created_at, last_seen, status_changed_at FROM registry_agents',
      );
      return result.rows.map(toRecord);
    } catch (error: unknown) {
      throw storageError(error, 'load agents');
    }
  }

  async getAgent(agentId: string): Promise<AgentRecord | undefined> {
    try {
      const result = await this.pool.query<AgentRow>(
        'SELECT record, status, created_at, last_seen, status_changed_at FROM registry_agents WHERE agent_id = $1',
        [agentId],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : toRecord(row);
    } catch (error: unknown) {
      throw storageError(error, 'read an agent');
    }
  }

  async saveAgent(record: AgentRecord): Promise<SaveResult> {
    const { status, created_at, last_seen, status_changed_at, ...rest } = record;
    try {
      const result = await this.pool.query<{ inserted: boolean }>(
        `WITH up AS (
           INSERT INTO registry_agents (agent_id, record, status, created_at, last_seen, status_changed_at, change_seq)
           VALUES ($1, $2, $3, $4, $5, $6, nextval('registry_change_seq'))
           ON CONFLICT (agent_id) DO UPDATE SET
             record = EXCLUDED.record, status = EXCLUDED.status,
             last_seen = GREATEST(registry_agents.last_seen, EXCLUDED.last_seen),
             status_changed_at = CASE WHEN registry_agents.status = EXCLUDED.status
               THEN registry_agents.status_changed_at ELSE EXCLUDED.status_changed_at END,
             change_seq = EXCLUDED.change_seq
           RETURNING (xmax = 0) AS inserted)
         SELECT inserted, pg_notify('${CHANNEL}', $7) FROM up`,
        [
          record.agent_id,
          JSON.stringify(rest),
          status,
          created_at,
          last_seen,
          status_changed_at,
          this.replicaId,
        ],
      );
      return { inserted: result.rows[0]?.inserted === true };
    } catch (error: unknown) {
      throw storageError(error, 'save an agent');
    }
  }

  touch(agentId: string, lastSeen: number): void {
    const written = this.writtenTouches.get(agentId);
    const step = (this.options.touchMinStepMs ?? 5000) * (0.5 + Math.random() * 0.5);
    if (written !== undefined && lastSeen - written < step) return;
    const pending = this.pendingTouches.get(agentId);
    if (pending === undefined || pending < lastSeen) this.pendingTouches.set(agentId, lastSeen);
  }

  async recordSent(agentId: string, hash: string): Promise<void> {
    try {
      await this.pool.query(
        'UPDATE registry_agents SET sent_hash = $2 WHERE agent_id = $1 AND sent_hash IS DISTINCT FROM $2',
        [agentId, hash],
      );
    } catch (error: unknown) {
      throw storageError(error, 'record the sent resolution');
    }
  }

  async sentHash(agentId: string): Promise<string | undefined> {
    try {
      const result = await this.pool.query<{ sent_hash: string | null }>(
        'SELECT sent_hash FROM registry_agents WHERE agent_id = $1',
        [agentId],
      );
      return result.rows[0]?.sent_hash ?? undefined;
    } catch (error: unknown) {
      throw storageError(error, 'read the sent resolution');
    }
  }

  flushTouches(): Promise<void> {
    if (this.flushing !== undefined) return this.flushing.then(() => this.flushTouches());
    if (this.pendingTouches.size === 0) return Promise.resolve();
    const ids = [...this.pendingTouches.keys()];
    const times = ids.map((id) => this.pendingTouches.get(id) ?? 0);
    this.pendingTouches.clear();
    ids.forEach((id, i) => this.writtenTouches.set(id, times[i] ?? 0));
    this.flushing = this.pool
      .query(
        `UPDATE registry_agents AS a SET last_seen = v.ls
           FROM unnest($1::text[], $2::bigint[]) AS v(id, ls)
          WHERE a.agent_id = v.id AND a.last_seen < v.ls`,
        [ids, times],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          // Keep them for the next flush unless newer times arrived meanwhile.
          ids.forEach((id, i) => {
            this.writtenTouches.delete(id);
            this.touch(id, times[i] ?? 0);
          });
          this.logger.warn({ err: error }, 'could not write heartbeat times; will retry');
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async deleteAgent(agentId: string): Promise<AgentRecord | undefined> {
    this.pendingTouches.delete(agentId);
    this.writtenTouches.delete(agentId);
    try {
      const result = await this.pool.query<AgentRow>(
        `WITH d AS (DELETE FROM registry_agents WHERE agent_id = $1
                     RETURNING record, status, created_at, last_seen, status_changed_at)
         SELECT d.*, pg_notify('${CHANNEL}', $2) FROM d`,
        [agentId, this.replicaId],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : toRecord(row);
    } catch (error: unknown) {
      throw storageError(error, 'delete an agent');
    }
  }

  async markStaleUnhealthy(cutoff: number, now: number): Promise<string[]> {
    try {
      const result = await this.pool.query<{ agent_id: string }>(
        `WITH u AS (UPDATE registry_agents
                       SET status = 'unhealthy', status_changed_at = $2, change_seq = nextval('registry_change_seq')
                     WHERE status = 'healthy' AND last_seen < $1
                 RETURNING agent_id)
         SELECT agent_id, pg_notify('${CHANNEL}', $3) FROM u`,
        [cutoff, now, this.replicaId],
      );
      return result.rows.map((row) => row.agent_id);
    } catch (error: unknown) {
      throw storageError(error, 'mark agents unhealthy');
    }
  }

  async evictUnhealthy(cutoff: number): Promise<string[]> {
    try {
      const result = await this.pool.query<{ agent_id: string }>(
        `WITH d AS (DELETE FROM registry_agents WHERE status = 'unhealthy' AND last_seen < $1 RETURNING agent_id)
         SELECT agent_id, pg_notify('${CHANNEL}', $2) FROM d`,
        [cutoff, this.replicaId],
      );
      // The event log is recent history: keep the newest EVENT_RETENTION rows (an index-only range delete).
      await this.pool.query(
        'DELETE FROM registry_events WHERE id < (SELECT max(id) FROM registry_events) - $1',
        [EVENT_RETENTION],
      );
      return result.rows.map((row) => row.agent_id);
    } catch (error: unknown) {
      throw storageError(error, 'evict agents');
    }
  }

  async appendEvents(events: readonly RegistryEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.pool.query(
        `INSERT INTO registry_events (event_type, agent_id, agent_name, function_name, ts, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[])`,
        [
          events.map((e) => e.event_type),
          events.map((e) => e.agent_id),
          events.map((e) => e.agent_name ?? null),
          events.map((e) => e.function_name ?? null),
          events.map((e) => e.timestamp),
          events.map((e) => (e.data === undefined ? null : JSON.stringify(e.data))),
        ],
      );
    } catch (error: unknown) {
      throw storageError(error, 'write events');
    }
  }

  async listEvents(filter: EventFilter): Promise<RegistryEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.type !== undefined) where.push(`event_type = $${params.push(filter.type)}`);
    if (filter.agent_id !== undefined) where.push(`agent_id = $${params.push(filter.agent_id)}`);
    if (filter.function_name !== undefined)
      where.push(`function_name = $${params.push(filter.function_name)}`);
    const limit = params.push(filter.limit);
    try {
      const result = await this.pool.query<EventRow>(
        `SELECT event_type, agent_id, agent_name, function_name, ts, data FROM registry_events
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${limit}`,
        params,
      );
      return result.rows.map((row) => ({
        event_type: row.event_type,
        agent_id: row.agent_id,
        ...(row.agent_name === null ? {} : { agent_name: row.agent_name }),
        ...(row.function_name === null ? {} : { function_name: row.function_name }),
        timestamp: Number(row.ts),
        ...(row.data === null ? {} : { data: row.data }),
      }));
    } catch (error: unknown) {
      throw storageError(error, 'read events');
    }
  }

  loadCanaries(): Promise<CanaryRecord[]> {
    return this.canaries.load();
  }

  saveCanary(record: CanaryRecord): Promise<void> {
    return this.canaries.save(record);
  }

  deleteCanary(agentName: string): Promise<CanaryRecord | undefined> {
    return this.canaries.delete(agentName);
  }

  onRemoteChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    await this.flushTouches().catch(() => undefined);
    const client = this.listenClient;
    this.listenClient = undefined;
    await client?.end().catch(() => undefined);
    await this.pool.end();
  }
}
