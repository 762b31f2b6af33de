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

/** Empties every table and restarts the identities, so each test starts as on a new database. */
export async function emptyTables(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ tables: string | null }>(
    "SELECT string_agg(format('%I', tablename), ', ') AS tables FROM pg_tables WHERE schemaname = 'public'",
  );
  if (rows[0]?.tables) await pool.query(`TRUNCATE ${rows[0].tables} RESTART IDENTITY CASCADE`);
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
