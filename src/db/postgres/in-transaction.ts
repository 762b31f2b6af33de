/** PostgreSQL's SQLSTATE for a unique or primary-key violation. */
export const UNIQUE_VIOLATION = '23505';

/** True when `err` is a PostgreSQL unique violation. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION;
}

/** One transaction on one pooled connection: `withTransaction` of pool.ts, under the stores' name. */
export { withTransaction as inTransaction } from './pool.js';
