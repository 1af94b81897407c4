import { skipOrFailInCi } from './skip-or-fail.js';

/**
 * The real servers integration tests run against. `scripts/test-servers.sh start` prints these.
 * In CI (`CI=true`) a missing URL is a failure, never a silent skip; elsewhere the test skips with a reason.
 */
export type RealServer = 'postgres' | 'redis' | 'rabbitmq' | 'rabbitmq-metrics';

const ENV_NAMES: Readonly<Record<RealServer, string>> = {
  postgres: 'MESH_TEST_POSTGRES_URL',
  redis: 'MESH_TEST_REDIS_URL',
  rabbitmq: 'MESH_TEST_RABBITMQ_URL',
  // The broker's rabbitmq_prometheus plugin (http://127.0.0.1:15692), for the monitoring tests.
  'rabbitmq-metrics': 'MESH_TEST_RABBITMQ_METRICS_URL',
};

/**
 * The URL of a real server for tests, or undefined (outside CI) so the caller can `describe.skipIf`.
 * Throws in CI when the URL is missing.
 */
export function realServerUrl(server: RealServer, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = ENV_NAMES[server];
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  skipOrFailInCi(
    { tests: `${server} tests`, reason: `${name} is not set`, fix: 'run scripts/test-servers.sh start' },
    env,
  );
  return undefined;
}
