import { isMeshError } from '@mesh/common';

/** `CODE: message` of the MeshError `attempt` throws, or 'accepted' when it throws none (other errors rethrow). */
export function refusal(attempt: () => unknown): string {
  try {
    attempt();
  } catch (error: unknown) {
    if (isMeshError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'accepted';
}
