import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

const created = new Set<string>();

/** The run's throw-away server (test/setup/postgres.ts), as its superuser. */
export function postgresServerUrl(): string {
  return inject('postgresUrl');
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// Registered once per test file: its databases are dropped when its tests are done (connections
// still open are ended by the drop).
afterAll(async () => {
  const names = [...created];
  created.clear();
  if (names.length === 0) return;
  await admin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
});

/** A fresh, empty database on the run's server, dropped after the current test file; its URL. */
export async function testDatabase(): Promise<string> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  created.add(name);
  return withDatabase(postgresServerUrl(), name);
}
