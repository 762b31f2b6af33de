import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll } from 'vitest';
import { testDatabase } from './postgres.js';

const SCHEMA = new URL('../../src/db/postgres/migrations/001_schema.sql', import.meta.url);
/** The live boards, which the detection store's write of a service's state marks (`/board`). */
const BOARDS = new URL('../../src/db/postgres/migrations/007_boards.sql', import.meta.url);
const BIGINT_OID = 20;

/** BIGINT as a JavaScript number, as the bot's pool reads it (epoch ms, refs, counts). */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === BIGINT_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

const pools: pg.Pool[] = [];

// Registered once per test file, after test/helpers/postgres.ts's hook: hooks after tests run last
// registered first, so the pools end before the file's databases are dropped.
afterAll(async () => {
  await Promise.all(pools.splice(0).flatMap((pool) => (pool.ending ? [] : [pool.end()])));
});

/** A pool on `url`, ended after the current test file. */
export function poolOn(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, max: 4 });
  // An idle connection ended by the server (the database dropped) must not fail the run.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

/** A fresh database with the PostgreSQL schema (001, and the boards of 008) applied; its URL. */
export async function schemaDatabase(): Promise<string> {
  const url = await testDatabase();
  const pool = poolOn(url);
  await pool.query(readFileSync(SCHEMA, 'utf8'));
  await pool.query(readFileSync(BOARDS, 'utf8'));
  return url;
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, … (test SQL has no `?` in its literals). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
