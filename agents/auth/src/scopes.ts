/** Grants every scope: held by operators and the gateway's service identity. */
export const ADMIN_SCOPE = 'admin';

/** Scopes a self-registered user gets when none are asked for. */
export const DEFAULT_USER_SCOPES: readonly string[] = Object.freeze([
  'orders:write',
  'orders:read',
  'users:read',
]);

/** `resource:action`, `resource:*` or a bare word such as `admin` (the auth contract's rule). */
export { SCOPE_PATTERN } from '@mesh/contracts';

/**
 * Whether `granted` allows `required`: an exact match, `admin`, or `resource:*` for any action on
 * that resource. Kept this small on purpose so a reader can audit it at a glance.
 */
export function scopeAllows(granted: readonly string[], required: string): boolean {
  if (granted.includes(ADMIN_SCOPE) || granted.includes(required)) return true;
  const resource = required.split(':')[0];
  return resource !== undefined && granted.includes(`${resource}:*`);
}
