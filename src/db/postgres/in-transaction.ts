import type pg from 'pg';

/** PostgreSQL's SQLSTATE for a unique or primary-key violation. */
export const UNIQUE_VIOLATION = '23505';

/** True when `err` is a PostgreSQL unique violation. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION;
}

/**
 * Runs `fn` in one transaction on one pooled connection: committed when it returns, rolled back
 * when it throws (the error is thrown on). A connection whose rollback fails is discarded rather
 * than returned to the pool in an unknown state.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
