import { MeshError } from '@mesh/common';

/** A business failure: the order fails with this code, no matter how often it is retried. */
export function business(code: string, message: string, data?: Record<string, unknown>): MeshError {
  return new MeshError(code, message, { data: { ...data, business: true } });
}
