/**
 * The bot's database for an end-to-end test on either backend: the config and environment that
 * point the bot at it (a SQLite file in the test's directory, or a fresh database on the run's
 * PostgreSQL server), a query helper to assert on its rows, and the subscription store to seed it.
 */
import { join } from 'node:path';
import type { Awaitable } from '../../src/core/awaitable.js';
import type { SubscriptionStore } from '../../src/core/delivery/ports.js';
import { type DatabaseConfig, postgresUrlSecrets } from '../../src/config/database-url.js';
import { openDatabase } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres/pool.js';
import { PostgresSubscriptionStore } from '../../src/db/postgres/postgres-subscription-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import type { BACKENDS } from './backends.js';
import { testDatabase } from './postgres.js';

export type Backend = (typeof BACKENDS)[number];

export interface BackendDatabase {
  readonly backend: Backend;
  /** `AppConfig.database` / `AppConfig.databasePath` for an app started in process. */
  readonly database: DatabaseConfig;
  readonly databasePath: string;
  /** What the app must never print (the PostgreSQL URL's password). */
  readonly secrets: readonly string[];
  /** The environment that points `npm start` at this database. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Rows of a query (placeholders `?`, numbered `$1…` on PostgreSQL). The SQL must mean the same
   * on both: alias every computed column, and compare flags with `= TRUE`/`= FALSE` (both accept).
   */
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The single number a `SELECT COUNT(*) AS n …` returns. */
  count(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `use` with the subscription store on its own connection (closed after). */
  subscriptions<T>(use: (store: SubscriptionStore) => Awaitable<T>): Promise<T>;
}

/** `?` placeholders numbered as PostgreSQL wants them (the tests' SQL holds no other `?`). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The database of `backend` for a test whose files live in `dir` (the SQLite file goes there). */
export async function backendDatabase(backend: Backend, dir: string): Promise<BackendDatabase> {
  const databasePath = join(dir, 'bot.db');
  if (backend === 'sqlite') {
    const withDb = <T>(use: (db: ReturnType<typeof openDatabase>) => T): T => {
      const db = openDatabase(databasePath);
      try {
        return use(db);
      } finally {
        db.close();
      }
    };
    return {
      backend,
      database: { kind: 'sqlite', path: databasePath },
      databasePath,
      secrets: [],
      env: { DATABASE_PATH: databasePath },
      rows: <T>(sql: string, params: readonly unknown[] = []) =>
        Promise.resolve(withDb((db) => db.prepare(sql).all(...params) as T[])),
      async count(sql, params = []) {
        return Number(
          withDb((db) =>
            db
              .prepare(sql)
              .pluck()
              .get(...params),
          ),
        );
      },
      async subscriptions(use) {
        const db = openDatabase(databasePath);
        try {
          return await use(new SqliteSubscriptionStore(db));
        } finally {
          db.close();
        }
      },
    };
  }
  const url = await testDatabase();
  const withPool = async <T>(use: (pool: import('pg').Pool) => Promise<T>): Promise<T> => {
    const db = await openPostgres(url, { poolSize: 1 });
    try {
      return await use(db.pool);
    } finally {
      await db.close();
    }
  };
  const rows = <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> =>
    withPool(async (pool) => (await pool.query(numbered(sql), [...params])).rows as T[]);
  return {
    backend,
    database: { kind: 'postgres', url, poolSize: 4 },
    databasePath,
    secrets: postgresUrlSecrets(url),
    // DATABASE_PATH still places the files kept next to the database (the push secret) in `dir`.
    env: { DATABASE_URL: url, DATABASE_POOL_SIZE: '4', DATABASE_PATH: databasePath },
    rows,
    async count(sql, params = []) {
      const [row] = await rows<Record<string, unknown>>(sql, params);
      return Number(Object.values(row ?? {})[0]);
    },
    subscriptions: (use) => withPool(async (pool) => use(new PostgresSubscriptionStore(pool))),
  };
}
