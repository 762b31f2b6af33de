/**
 * The PostgreSQL backend's connection pool and migration runner (docs/postgres.md §2, §3).
 * `openPostgres` opens a `pg.Pool` and applies the pending migrations of
 * src/db/postgres/migrations (numbered like SQLite's) before anything else uses the database.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  describePostgresTarget,
  type PostgresTarget,
  postgresTarget,
  postgresUrlSecrets,
} from '../../config/database-url.js';
import type { Logger } from '../../logging.js';
import { listMigrations, type Migration } from '../database.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * The session advisory lock the migrations run under: bot processes starting together against one
 * database wait for each other, and each migration runs once. Any constant works as long as every
 * version of the bot uses the same one ('inci' in ASCII).
 */
export const MIGRATION_LOCK_KEY = 0x696e_6369;
/** A connection attempt (TCP, TLS and authentication) gives up after this long. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** A connection idle this long in the pool is closed. */
const IDLE_TIMEOUT_MS = 10_000;
const INT8_OID = 20;

/**
 * BIGINT (int8) as a JavaScript number, not node-postgres's default string. Safe here: the
 * schema's BIGINTs are epoch milliseconds (below 2^53 until the year 287,396), counts, ids and
 * epoch hours or days, all far below 2^53. A value beyond that is an error (the query fails),
 * never a silently rounded number.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`BIGINT ${text} is beyond JavaScript's exact integers`);
  return value;
}

/** node-postgres's type parsers, with BIGINT as a number. BYTEA stays a Buffer. */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** An open PostgreSQL database: its pool, and `close` to end it (once; later calls wait for it). */
export interface PgDb {
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface OpenPostgresOptions {
  /** Connections the pool opens at most (`DATABASE_POOL_SIZE`). */
  readonly poolSize: number;
  /** Where a connection lost while idle is reported. */
  readonly log?: Pick<Logger, 'error'>;
  /** The migrations to apply; by default those shipped in src/db/postgres/migrations. */
  readonly migrations?: readonly Migration[];
}

/**
 * The PostgreSQL database could not be opened at start: `message` is one line for the operator
 * naming the server (`host:port/database as user`) and the reason (`connection refused`,
 * `authentication failed`, `database "x" does not exist`, `TLS: …`, `migration NNN_x.sql failed: …`).
 * Neither ever holds the password.
 */
export class PostgresOpenError extends Error {
  constructor(
    readonly target: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot open the PostgreSQL database ${target}: ${reason}`, options);
    this.name = 'PostgresOpenError';
  }
}

/** A migration that failed: its file and what PostgreSQL said. */
export class MigrationError extends Error {
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`migration ${file} failed: ${messageOf(options.cause)}`, options);
    this.name = 'MigrationError';
  }
}

/**
 * Opens a pool of at most `poolSize` connections to the database of `url` and applies the pending
 * migrations. Throws `PostgresOpenError` (the pool ended) when the server cannot be reached, refuses
 * the login, has no such database, fails TLS, or a migration fails.
 */
export async function openPostgres(url: string, options: OpenPostgresOptions): Promise<PgDb> {
  const target = postgresTarget(url);
  if (target === null)
    throw new PostgresOpenError('(an invalid URL)', 'not a postgres:// or postgresql:// URL');
  const secrets = postgresUrlSecrets(url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize,
      types: PG_TYPES,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'incident-bot',
    });
  } catch (err) {
    throw openError(target, err, secrets);
  }
  // An idle connection lost (the server restarted, a proxy timed it out) is dropped from the pool
  // and replaced on next use: it must not become an unhandled 'error' that ends the process.
  pool.on('error', (err) => {
    options.log?.error(
      { err: scrub(messageOf(err), secrets) },
      'PostgreSQL: an idle connection was lost; the pool opens a new one when needed',
    );
  });
  // The pool listens for a client's 'error' only while the client is idle. A connection lost while
  // checked out (a network partition in mid-transaction) emits 'error' on its client too, and an
  // 'error' nobody listens to ends the process. Its caller already gets the error from the query
  // that failed, or from the next one (a broken client is not queryable), so this one is dropped.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await migratePostgres(pool, options.migrations);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw openError(target, err, secrets);
  }
  let closing: Promise<void> | null = null;
  return { pool, close: () => (closing ??= pool.end()) };
}

/**
 * Applies the migrations newer than the database's version, each in its own transaction with its
 * `schema_migrations` row, all under the advisory lock. Returns the versions applied. A failing
 * migration leaves nothing of itself behind and throws `MigrationError` naming its file.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly Migration[] = listMigrations(MIGRATIONS_DIR),
): Promise<number[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    // Waits for another process migrating the same database; released with the session anyway.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (err) {
    broken = !(err instanceof MigrationError);
    throw err;
  } finally {
    // A connection that failed other than in a migration is not trusted again: it is closed.
    client.release(broken);
  }
}

async function applyPending(client: pg.PoolClient, migrations: readonly Migration[]): Promise<number[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
  const row = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  const current = row.rows[0]?.v ?? 0;
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    try {
      await client.query('BEGIN');
      // No parameters: the simple protocol, which runs a file of several statements.
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        // The migration log records wall time; it is not domain time.
        new Date().getTime(),
      ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new MigrationError(m.name, { cause: err });
    }
    applied.push(m.version);
  }
  return applied;
}

/**
 * Runs `fn` in a transaction on one connection of the pool: COMMIT when it resolves, ROLLBACK when
 * it throws (the error goes on). The connection goes back to the pool either way, or is closed if
 * even the ROLLBACK failed.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Takes every form of the password out of a text (defence in depth: no reason should hold it). */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    out = out.split(secret).join('[redacted]');
  return out;
}

function openError(target: PostgresTarget, err: unknown, secrets: readonly string[]): PostgresOpenError {
  const where = describePostgresTarget(target);
  return new PostgresOpenError(where, scrub(openFailureReason(target, err), secrets), { cause: err });
}

/** The error code of a connection error; Node reports a failed connect to several addresses as one AggregateError. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (err instanceof AggregateError) return codeOf(err.errors[0]);
  return '';
}

/** Why the server could not be used, in words, for the operator. */
function openFailureReason(target: PostgresTarget, err: unknown): string {
  if (err instanceof MigrationError) return err.message;
  const code = codeOf(err);
  const message = messageOf(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host not found';
    case 'EAI_AGAIN':
      return 'host name lookup failed (try again later)';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
      return 'connection reset';
    case '28P01':
      return 'authentication failed (wrong user name or password)';
    case '28000':
      // "no pg_hba.conf entry for host …, user …, database …, no encryption": the server's rule.
      return `authentication failed (${message})`;
    case '3D000':
      return `database "${target.database}" does not exist`;
    case '42501':
      return `permission denied (${message})`;
    case '53300':
      return 'the server has no connection left (too many clients)';
    case '57P03':
      return 'the server is starting up or shutting down';
  }
  // node-postgres reads the URL's sslrootcert, sslcert and sslkey when it connects.
  const path = (err as { path?: unknown } | null)?.path;
  if (typeof path === 'string' && code.startsWith('E')) return `TLS: cannot read ${path} (${code})`;
  if (/does not support SSL/i.test(message)) return 'TLS: the server does not support TLS';
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/i.test(code)) return `TLS: ${message}`;
  if (/timeout/i.test(message)) return 'timed out';
  return message;
}
