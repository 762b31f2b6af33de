import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A schema of its own in an existing PostgreSQL database, for a run that must start empty and
 * leave nothing behind (the replay): `url` connects with that schema first on the search path, so
 * the migrations create their tables there; `drop` removes it with everything in it.
 */
export interface ScratchSchema {
  readonly url: string;
  readonly schema: string;
  drop(): Promise<void>;
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createScratchSchema(url: string, prefix: string): Promise<ScratchSchema> {
  // A fixed prefix and hex digits: safe to write into the statement as an identifier.
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  await run(url, `CREATE SCHEMA ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return { url: scoped.toString(), schema, drop: () => run(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}
