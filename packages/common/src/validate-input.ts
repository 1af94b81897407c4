import type { z } from 'zod';
import { MeshError } from './mesh-error.js';

/**
 * Parses `input` with `schema`, turning every zod issue into one VALIDATION_FAILED error whose message names each
 * field (`path: message; ...`) and whose `data.issues` lists them, so a caller sees all problems at once.
 */
export function validateInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new MeshError(
    'VALIDATION_FAILED',
    issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; '),
    {
      data: { issues },
    },
  );
}
