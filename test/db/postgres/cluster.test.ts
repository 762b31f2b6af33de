import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresServerUrl, testDatabase } from '../../helpers/postgres.js';

describe('the throw-away PostgreSQL server of the test run', () => {
  it('is a PostgreSQL server on loopback whose test databases start empty and apart', async () => {
    expect(new URL(postgresServerUrl()).hostname).toBe('127.0.0.1');
    const [a, b] = [await testDatabase(), await testDatabase()];
    expect(a).not.toBe(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const version = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      expect(version.rows[0]?.v).toMatch(/^\d+/);
      await client.query('CREATE TABLE t (x int)');
      const tables = await client.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables.rows[0]).toEqual({ n: 1 });
    } finally {
      await client.end();
    }
    const other = new pg.Client({ connectionString: b });
    await other.connect();
    try {
      const tables = await other.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables.rows[0]).toEqual({ n: 0 });
    } finally {
      await other.end();
    }
  });
});
