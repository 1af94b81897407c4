import { isMeshError } from '@mesh/common';

/**
 * The MeshError code a promise rejects with, or `resolved`: for asserting on the code alone. Anything thrown
 * that is not a MeshError is rethrown, so a test never mistakes a crash for the expected refusal.
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    if (isMeshError(error)) return error.code;
    throw error;
  }
  return 'resolved';
}
