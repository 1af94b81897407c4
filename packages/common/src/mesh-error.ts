/**
 * Error codes shared across the mesh. Callers branch on `code`, never on the message.
 * The union is open (`string & {}`) so agents can add business codes such as `OUT_OF_STOCK`.
 */
export type MeshErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'CONFIG_INVALID'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'CIRCUIT_OPEN'
  | 'TIMEOUT'
  | 'REMOTE_ERROR'
  | 'CONNECTION_FAILED'
  | 'INVALID_RESPONSE'
  | 'SHUTTING_DOWN'
  | 'STORAGE_ERROR'
  | 'INTERNAL'
  | (string & {});

export interface MeshErrorOptions {
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type of the project: a string code, a human message, optional structured data. */
export class MeshError extends Error {
  readonly code: MeshErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: MeshErrorCode, message: string, options: MeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshError';
    this.code = code;
    this.data = options.data;
  }

  toJSON(): { code: string; message: string; data?: Record<string, unknown> } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function isMeshError(value: unknown, code?: MeshErrorCode): value is MeshError {
  return value instanceof MeshError && (code === undefined || value.code === code);
}

/** Turns anything thrown into a MeshError, keeping the original as `cause`. */
export function toMeshError(value: unknown, fallbackCode: MeshErrorCode = 'INTERNAL'): MeshError {
  if (value instanceof MeshError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new MeshError(fallbackCode, message, { cause: value });
}
