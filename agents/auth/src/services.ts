import { createPgPool, ensureDatabase, pgConfigToUrl } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type pg from 'pg';
import { agent, type AuthApp } from './agent.js';
import { createAuthStack } from './auth-stack.js';
import type { AuthConfig } from './config.js';

/** auth-agent's services for runAgentMain: credentials in auth_db, tokens, revocation and login limits. */
export async function buildServices(config: AuthConfig, logger: Logger): Promise<AgentServices<AuthApp>> {
  let pool: pg.Pool | undefined;
  try {
    await ensureDatabase(config.postgres, { logger });
    pool = createPgPool(config.postgres, { logger, applicationName: agent.name });
    logger.info(
      {
        database: pgConfigToUrl(config.postgres),
        shared_store: config.redisUrl ? 'redis' : 'postgres',
        signing_keys: config.signingKey
          ? 'JWT_PRIVATE_KEY'
          : `generated, rotated every ${config.keyRotationMs} ms`,
      },
      'auth-agent starting',
    );
    const stack = await createAuthStack({
      pool,
      redisUrl: config.redisUrl,
      signingKey: config.signingKey,
      keyRotationMs: config.keyRotationMs,
      demoMode: config.demoData,
      tokenTtlSeconds: config.tokenTtlSeconds,
      login: config.login,
      logger,
    });
    const open = pool;
    return {
      app: { auth: stack.auth },
      healthCheck: () => open.query('SELECT 1').then(() => true),
      close: async () => {
        await stack.close();
        await open.end();
      },
    };
  } catch (error: unknown) {
    await pool?.end().catch(() => undefined);
    throw error;
  }
}
