/**
 * PostgreSQL for the stores' contract tests: a pool that reads BIGINT as a number (as the bot's
 * does), a database of the test file with the shipped schema, emptied before each test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { testDatabase } from './postgres.js';

const MIGRATIONS = join(import.meta.dirname, '../../src/db/postgres/migrations');

const BIGINT_OID = 20;

/** A pool on `url` whose BIGINTs (epoch ms, ids, counts) come back as numbers. */
export function testPool(url: string, config: pg.PoolConfig = {}): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: 4,
    ...config,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === BIGINT_OID
          ? Number
          : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
    },
  });
}

/** Runs the shipped PostgreSQL migrations, in order. */
export async function applySchema(pool: pg.Pool): Promise<void> {
  const files = readdirSync(MIGRATIONS)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
  for (const file of files) await pool.query(readFileSync(join(MIGRATIONS, file), 'utf8'));
}

/**
 * Empties every table, so each test starts with no rows. DELETE rather than TRUNCATE: on tables
 * this small it is many times faster. The foreign keys' triggers are off for it (replica role, on
 * this one connection), so the order of the tables does not matter. Identities are not restarted:
 * a test reads the ids it gets, never assumes them.
 */
export async function emptyTables(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ tables: string[] }>(
    "SELECT coalesce(array_agg(format('%I', tablename)), '{}') AS tables FROM pg_tables WHERE schemaname = 'public'",
  );
  const client = await pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(rows[0]!.tables.map((table) => `DELETE FROM ${table}`).join('; '));
  } finally {
    // A connection left in the replica role would skip the foreign keys of whoever gets it next.
    await client.query('RESET session_replication_role').then(
      () => client.release(),
      (err: Error) => client.release(err),
    );
  }
}

/**
 * Registers, in the current suite, a database with the schema (made before its first test, its
 * pool ended after the last) that is emptied before each test; returns its URL and pool.
 */
export function usePostgres(): { url: () => string; pool: () => pg.Pool } {
  let url: string | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    url = await testDatabase();
    pool = testPool(url);
    await applySchema(pool);
  });
  beforeEach(async () => emptyTables(pool!));
  afterAll(async () => {
    await pool?.end();
    pool = undefined;
  });
  return {
    url: () => url!,
    pool: () => pool!,
  };
}
