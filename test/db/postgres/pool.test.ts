import { readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Migration } from '../../../src/db/database.js';
import {
  MigrationError,
  openPostgres,
  type PgDb,
  PostgresOpenError,
  withTransaction,
} from '../../../src/db/postgres/pool.js';
import { createLogger } from '../../../src/logging.js';
import { testDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

const opened: PgDb[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

async function open(url: string, options: Partial<Parameters<typeof openPostgres>[1]> = {}): Promise<PgDb> {
  const db = await openPostgres(url, { poolSize: 4, ...options });
  opened.push(db);
  return db;
}

async function openError(url: string, migrations?: readonly Migration[]): Promise<PostgresOpenError> {
  const err: unknown = await openPostgres(url, { poolSize: 2, ...(migrations ? { migrations } : {}) }).then(
    (db) => db.close().then(() => new Error('opened')),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PostgresOpenError);
  return err as PostgresOpenError;
}

async function migrationRows(db: PgDb): Promise<{ version: number; name: string; applied_at: number }[]> {
  const { rows } = await db.pool.query<{ version: number; name: string; applied_at: number }>(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows;
}

async function tableNames(db: PgDb): Promise<string[]> {
  const { rows } = await db.pool.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  return rows.map((r) => r.name);
}

/** A URL whose password is given (the test server trusts loopback, so it is not checked). */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const migration = (version: number, name: string, sql: string): Migration => ({
  version,
  name: `${String(version).padStart(3, '0')}_${name}.sql`,
  sql,
});

/** The migration files shipped, in order: `[version, file name]`. */
const SHIPPED = readdirSync(new URL('../../../src/db/postgres/migrations/', import.meta.url))
  .filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name))
  .sort()
  .map((name): [number, string] => [Number(name.slice(0, 3)), name]);

describe('openPostgres: the migrations', () => {
  it('ships its migrations numbered 1, 2, 3, … without a gap (a gap would be skipped on upgrade)', () => {
    expect(SHIPPED.length).toBeGreaterThanOrEqual(2);
    expect(SHIPPED.map(([version]) => version)).toEqual(SHIPPED.map((_, i) => i + 1));
  });

  it('applies the shipped migrations once; a second open applies nothing', async () => {
    const url = await testDatabase();
    const first = await open(url);
    const rows = await migrationRows(first);
    expect(rows.map((r) => [r.version, r.name])).toEqual(SHIPPED);
    expect(typeof rows[0]?.applied_at).toBe('number');
    expect(await tableNames(first)).toContain('incidents');
    await first.close();
    const second = await open(url);
    expect(await migrationRows(second)).toEqual(rows);
  });

  it('migrates once when several processes open the same empty database together', async () => {
    const url = await testDatabase();
    // The first migration sleeps, so the openings overlap: without the lock the second would try to
    // create the same table (or record the same version) and fail.
    const slow = [
      migration(1, 'slow', 'SELECT pg_sleep(0.3); CREATE TABLE a (x BIGINT)'),
      migration(2, 'more', 'CREATE TABLE b (y TEXT)'),
    ];
    const dbs = await Promise.all([open(url, { migrations: slow }), open(url, { migrations: slow })]);
    expect((await migrationRows(dbs[0])).map((r) => r.name)).toEqual(['001_slow.sql', '002_more.sql']);
    expect(await tableNames(dbs[1])).toEqual(['a', 'b', 'schema_migrations']);

    const shipped = await testDatabase();
    const three = await Promise.all([open(shipped), open(shipped), open(shipped)]);
    for (const db of three)
      expect((await migrationRows(db)).map((r) => r.version)).toEqual(SHIPPED.map(([version]) => version));
  });

  it('leaves nothing of a failing migration behind and names its file; a fixed one applies later', async () => {
    const url = await testDatabase();
    const good = migration(1, 'first', 'CREATE TABLE a (x BIGINT)');
    const broken = migration(
      2,
      'broken',
      "CREATE TABLE b (y TEXT); INSERT INTO b VALUES ('z'); SELECT 1 / 0",
    );
    const err = await openError(url, [good, broken]);
    expect(err.message).toMatch(
      /^cannot open the PostgreSQL database 127\.0\.0\.1:\d+\/test_\w+ as postgres/,
    );
    expect(err.reason).toBe('migration 002_broken.sql failed: division by zero');
    expect(err.cause).toBeInstanceOf(MigrationError);

    const inspect = await open(url, { migrations: [good] });
    expect(await tableNames(inspect)).toEqual(['a', 'schema_migrations']);
    expect((await migrationRows(inspect)).map((r) => r.name)).toEqual(['001_first.sql']);

    const fixed = migration(2, 'fixed', 'CREATE TABLE b (y TEXT)');
    const after = await open(url, { migrations: [good, fixed] });
    expect((await migrationRows(after)).map((r) => r.name)).toEqual(['001_first.sql', '002_fixed.sql']);
  });
});

describe('openPostgres: the pool', () => {
  it('reads BIGINT as a number (an error beyond 2^53) and BYTEA as a Buffer', async () => {
    const db = await open(await testDatabase());
    await db.pool.query('INSERT INTO check_chunks (monitor_ref, hour, data) VALUES ($1, $2, $3)', [
      7,
      1_765_000_000_000,
      Buffer.from([0, 1, 254, 255]),
    ]);
    const { rows } = await db.pool.query(
      'SELECT monitor_ref, hour, data, count(*) OVER () AS n FROM check_chunks',
    );
    expect(rows).toEqual([
      { monitor_ref: 7, hour: 1_765_000_000_000, data: Buffer.from([0, 1, 254, 255]), n: 1 },
    ]);
    await expect(db.pool.query('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/beyond/);
    const max = await db.pool.query('SELECT 9007199254740991::bigint AS v');
    expect(max.rows[0]).toEqual({ v: Number.MAX_SAFE_INTEGER });
  });

  it('opens at most poolSize connections', async () => {
    const db = await open(await testDatabase(), { poolSize: 2 });
    const clients = await Promise.all([db.pool.connect(), db.pool.connect()]);
    expect(db.pool.totalCount).toBe(2);
    const third = db.pool.connect();
    expect(db.pool.waitingCount).toBe(1);
    clients[0]?.release();
    (await third).release();
    clients[1]?.release();
    expect(db.pool.totalCount).toBe(2);
  });

  it('logs an idle connection lost and keeps working', async () => {
    let lines = '';
    let reported: () => void = () => undefined;
    const logged = new Promise<void>((resolve) => (reported = resolve));
    const out = new Writable({
      write: (chunk, _encoding, done) => {
        lines += String(chunk);
        reported();
        done();
      },
    });
    const db = await open(await testDatabase(), { poolSize: 2, log: createLogger('info', [], out) });
    const [idle, other] = [await db.pool.connect(), await db.pool.connect()];
    const pid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    idle.release();
    // The server ends the idle connection, as a restart or a proxy's timeout would.
    try {
      await other.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      other.release();
    }
    await logged;
    expect(JSON.parse(lines)).toMatchObject({
      level: 50,
      err: 'terminating connection due to administrator command',
      msg: 'PostgreSQL: an idle connection was lost; the pool opens a new one when needed',
    });
    const { rows } = await db.pool.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('a connection lost while in use fails its transaction, not the process', async () => {
    const db = await open(await testDatabase(), { poolSize: 2 });
    const killer = await db.pool.connect();
    // A checked-out client has no pool listener for 'error': without one of its own, the error a
    // lost connection emits would be uncaught and end the process (a partition did just that).
    const lost = withTransaction(db.pool, async (client) => {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      await client.query('SELECT 1');
    });
    killer.release();
    await expect(lost).rejects.toThrow();
    const { rows } = await db.pool.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('withTransaction commits, or rolls back and rethrows; the connection goes back to the pool', async () => {
    const db = await open(await testDatabase(), { poolSize: 1 });
    await db.pool.query('CREATE TABLE t (x BIGINT NOT NULL)');
    const value = await withTransaction(db.pool, async (client) => {
      await client.query('INSERT INTO t VALUES (1)');
      return 'done';
    });
    expect(value).toBe('done');
    const failure = withTransaction(db.pool, async (client) => {
      await client.query('INSERT INTO t VALUES (2)');
      throw new Error('changed my mind');
    });
    await expect(failure).rejects.toThrow('changed my mind');
    await expect(
      withTransaction(db.pool, async (client) => client.query('INSERT INTO t VALUES (NULL)')),
    ).rejects.toThrow(/null value/);
    // One connection in the pool: these would wait forever had a transaction kept it.
    const { rows } = await db.pool.query('SELECT x FROM t ORDER BY x');
    expect(rows).toEqual([{ x: 1 }]);
    expect(db.pool.idleCount).toBe(1);
  });

  it('close ends the pool, and may be called twice', async () => {
    const db = await openPostgres(await testDatabase(), { poolSize: 1 });
    await Promise.all([db.close(), db.close()]);
    await db.close();
    expect(db.pool.ended).toBe(true);
  });
});

describe('openPostgres: open errors name the server and the reason, never the password', () => {
  const PASSWORD = 'not-to-be-seen-42';

  it('a port nothing listens on: connection refused', async () => {
    const url = new URL(await testDatabase());
    url.port = String(await closedPort());
    const err = await openError(withPassword(url.toString(), PASSWORD));
    expect(err.message).toBe(
      `cannot open the PostgreSQL database 127.0.0.1:${url.port}${url.pathname} as postgres (TLS off): connection refused`,
    );
    expect(err.message).not.toContain(PASSWORD);
  });

  it('a database that does not exist', async () => {
    const url = new URL(await testDatabase());
    url.pathname = '/no_such_database';
    const err = await openError(withPassword(url.toString(), PASSWORD));
    expect(err.reason).toBe('database "no_such_database" does not exist');
    expect(err.message).toContain(`127.0.0.1:${url.port}/no_such_database as postgres`);
    expect(err.message).not.toContain(PASSWORD);
  });

  it('TLS asked of a server without it, and a CA file that cannot be read', async () => {
    const url = withPassword(await testDatabase(), PASSWORD);
    const noTls = await openError(`${url}?sslmode=verify-full`);
    expect(noTls.reason).toBe('TLS: the server does not support TLS');
    expect(noTls.message).toContain('(TLS verify-full)');
    const missing = join(tempDir('pg-tls-'), 'ca.pem');
    const noCa = await openError(`${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(missing)}`);
    expect(noCa.reason).toBe(`TLS: cannot read ${missing} (ENOENT)`);
    const garbage = join(tempDir('pg-tls-'), 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    const bad = await openError(`${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(garbage)}`);
    expect(bad.reason).toMatch(/^TLS: /);
    for (const err of [noTls, noCa, bad]) expect(err.message).not.toContain(PASSWORD);
  });

  it('a URL that is not a PostgreSQL one', async () => {
    const err = await openError(`mysql://bot:${PASSWORD}@127.0.0.1/x`);
    expect(err.message).toBe(
      'cannot open the PostgreSQL database (an invalid URL): not a postgres:// or postgresql:// URL',
    );
  });

  // A wrong password cannot be shown here: the test server trusts every loopback connection.
});
