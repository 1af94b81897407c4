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

/** One item of a batch that failed validation, by its position in the batch. */
export interface RejectedItem {
  index: number;
  error: string;
}

/**
 * Validates every item of a batch on its own, so one bad item is reported (with the same message
 * `validateInput` gives) instead of failing the others. `valid` keeps each item's position.
 */
export function validateEach<T extends z.ZodType>(
  schema: T,
  items: readonly unknown[],
): { valid: { index: number; value: z.output<T> }[]; rejected: RejectedItem[] } {
  const valid: { index: number; value: z.output<T> }[] = [];
  const rejected: RejectedItem[] = [];
  items.forEach((item, index) => {
    try {
      valid.push({ index, value: validateInput(schema, item) });
    } catch (error: unknown) {
      if (!(error instanceof MeshError)) throw error;
      rejected.push({ index, error: error.message });
    }
  });
  return { valid, rejected };
}
