/** Something a test file needs but does not have: which tests it stops, why, and how to get it. */
export interface MissingPrerequisite {
  /** What would not run, e.g. "postgres tests". */
  readonly tests: string;
  /** Why, e.g. "MESH_TEST_POSTGRES_URL is not set". */
  readonly reason: string;
  /** How to get it, e.g. "run scripts/test-servers.sh start". */
  readonly fix: string;
}

const announced = new Set<string>();

/**
 * The one rule for a missing prerequisite (a real server, an official binary, a validator tool): in CI
 * (`CI=true`) it throws, so a suite can never pass by skipping what CI is meant to run; elsewhere it says once,
 * in one line on stderr, what skips and why, and the caller skips (`describe.skipIf`).
 */
export function skipOrFailInCi(
  missing: MissingPrerequisite,
  env: NodeJS.ProcessEnv = process.env,
  write: (line: string) => void = (line) => process.stderr.write(line),
): void {
  if (env['CI'] === 'true') {
    throw new Error(`${missing.reason}: CI must not skip ${missing.tests} (${missing.fix})`);
  }
  if (announced.has(missing.tests)) return;
  announced.add(missing.tests);
  write(`skipping ${missing.tests}: ${missing.reason} (${missing.fix})\n`);
}
