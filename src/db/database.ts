import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeDayV1, encodeDay } from './check-encoding.js';

export type Db = Database.Database;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Writers wait this long for a lock instead of failing at once (a second process, a backup). */
export const BUSY_TIMEOUT_MS = 5000;
/**
 * SQLite's page cache, in KiB (negative `cache_size`): SQLite's own default of 2 MiB instead of the
 * 16 MiB better-sqlite3 compiles in. A bot at 10,000 monitors keeps a database of about 200 MB
 * (48 hours of raw checks), which would fill 16 MiB of cache for good; the pages it rereads come from
 * the operating system's file cache.
 */
export const PAGE_CACHE_KIB = 2000;
const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/**
 * Opens (creating if needed) the SQLite file with WAL, foreign keys and a busy timeout, and applies
 * pending numbered migrations, each in its own transaction. `:memory:` works for tests.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  migrate(db);
  return db;
}

/**
 * SQL functions the migrations call for what SQL cannot express: `rollup_day_v2(data)` re-encodes
 * a roll-up day from the v1 to the v2 layout (migration 005).
 */
function registerMigrationFunctions(db: Db): void {
  db.function('rollup_day_v2', { deterministic: true }, (data: unknown) =>
    data instanceof Uint8Array ? encodeDay(decodeDayV1(data)) : data,
  );
}

/** Flushes of writes held back in memory to batch them, per database (see `registerPendingWrites`). */
const pendingWriters = new WeakMap<Db, Set<() => void>>();

/**
 * Registers a store that holds writes back to commit many in one transaction (the detection store's
 * check results). Readers of the tables it writes call `flushPendingWrites` first, so a read never
 * misses a write the engine has already made.
 */
export function registerPendingWrites(db: Db, flush: () => void): void {
  const flushes = pendingWriters.get(db) ?? new Set();
  flushes.add(flush);
  pendingWriters.set(db, flushes);
}

/** Commits every write held back for `db` (before reading what they touch, and before closing). */
export function flushPendingWrites(db: Db): void {
  for (const flush of pendingWriters.get(db) ?? []) flush();
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The migrations shipped with the code, in order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const match = MIGRATION_FILE.exec(name);
      return match ? [{ version: Number(match[1]), name, sql: readFileSync(join(dir, name), 'utf8') }] : [];
    })
    .sort((a, b) => a.version - b.version);
}

/** Applies migrations newer than the database's version. Returns the versions applied. */
export function migrate(db: Db, migrations = listMigrations()): number[] {
  registerMigrationFunctions(db);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        // The migration log records wall time; it is not domain time.
        new Date().getTime(),
      );
    })();
    applied.push(m.version);
  }
  return applied;
}
