import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { MeshError } from '@mesh/common';

/** Where the demo system's description lives, relative to the repository root. */
export const DEMO_SYSTEM_FILE = 'scripts/demo-system.json';

const name = z.string().min(1).max(200);

/**
 * What chaos needs to know of the system it runs against: which agents it may kill, a user who can log in and
 * place orders, SKUs it may spend stock of, and the payment sandbox's key (to read the charges back).
 */
const chaosSystemSchema = z
  .object({
    description: z.string().optional(),
    chaosVictims: z.array(name).min(1),
    shopper: z.object({ username: name, password: z.string().min(1).max(256) }),
    chaosSkus: z.array(name).min(1),
    paymentSandboxKey: z.string().min(8),
  })
  .strict();

export type ChaosSystem = z.infer<typeof chaosSystemSchema>;

/** Reads and validates a system description (`file` relative to `root`), naming the bad field. */
export function loadChaosSystem(root: string, file = DEMO_SYSTEM_FILE): ChaosSystem {
  const path = isAbsolute(file) ? file : join(root, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    throw new MeshError(
      'VALIDATION_FAILED',
      `cannot read the system description ${path} (--system FILE): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = chaosSystemSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MeshError(
      'VALIDATION_FAILED',
      `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}
