import { MeshError } from '@mesh/common';
import type pg from 'pg';
import type { CanaryRecord } from '../core/canary.js';

interface CanaryRow {
  agent_name: string;
  version: string;
  weight: number;
  updated_at: string;
}

function toCanary(row: CanaryRow): CanaryRecord {
  return {
    agent_name: row.agent_name,
    version: row.version,
    weight: row.weight,
    updated_at: Number(row.updated_at),
  };
}

function storageError(error: unknown, action: string): MeshError {
  return new MeshError('STORAGE_ERROR', `registry database: could not ${action}`, { cause: error });
}

/**
 * The canary table's statements, apart from the agents' so the store stays readable. Writes notify the
 * same channel as agent changes: another replica reloads agents and canaries together.
 */
export class PostgresCanaries {
  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
    private readonly replicaId: string,
  ) {}

  async load(): Promise<CanaryRecord[]> {
    try {
      const result = await this.pool.query<CanaryRow>(
        'SELECT agent_name, version, weight, updated_at FROM registry_canaries',
      );
      return result.rows.map(toCanary);
    } catch (error: unknown) {
      throw storageError(error, 'load canaries');
    }
  }

  async save(record: CanaryRecord): Promise<void> {
    try {
      await this.pool.query(
        `WITH up AS (
           INSERT INTO registry_canaries (agent_name, version, weight, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (agent_name) DO UPDATE
             SET version = EXCLUDED.version, weight = EXCLUDED.weight, updated_at = EXCLUDED.updated_at
           RETURNING agent_name)
         SELECT pg_notify('${this.channel}', $5) FROM up`,
        [record.agent_name, record.version, record.weight, record.updated_at, this.replicaId],
      );
    } catch (error: unknown) {
      throw storageError(error, 'save a canary');
    }
  }

  async delete(agentName: string): Promise<CanaryRecord | undefined> {
    try {
      const result = await this.pool.query<CanaryRow>(
        `WITH d AS (DELETE FROM registry_canaries WHERE agent_name = $1
                     RETURNING agent_name, version, weight, updated_at)
         SELECT d.*, pg_notify('${this.channel}', $2) FROM d`,
        [agentName, this.replicaId],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : toCanary(row);
    } catch (error: unknown) {
      throw storageError(error, 'delete a canary');
    }
  }
}
