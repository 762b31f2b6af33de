import Database from 'better-sqlite3';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  statfsSync,
} from 'node:fs';
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
 * The database could not be opened at start: `message` is one line naming the file and the reason
 * (`read-only file system`, `permission denied`, `not a database`, …), for the operator.
 */
export class DatabaseOpenError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot open the database ${path}: ${reason}`, options);
    this.name = 'DatabaseOpenError';
  }
}

/**
 * Opens (creating if needed) the SQLite file with WAL, foreign keys and a busy timeout, and applies
 * pending numbered migrations, each in its own transaction. `:memory:` works for tests. Throws
 * DatabaseOpenError, with the path and the reason, when the file cannot be opened, created or
 * migrated.
 */
export function openDatabase(path: string): Db {
  if (path === ':memory:') return configure(new Database(path));
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DatabaseOpenError(path, `cannot create its directory ${dir} (${mkdirReason(dir, err)})`, {
      cause: err,
    });
  }
  let db: Db | null = null;
  try {
    db = new Database(path);
    return configure(db);
  } catch (err) {
    if (db?.open) db.close();
    throw new DatabaseOpenError(path, openFailureReason(path, err), { cause: err });
  }
}

function configure(db: Db): Db {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  migrate(db);
  return db;
}

/**
 * Why a directory could not be created. A recursive mkdir reports ENOENT on a read-only file system
 * (it tries the parents first): the nearest existing ancestor is asked what stops a write there.
 */
function mkdirReason(dir: string, err: unknown): string {
  if ((err as NodeJS.ErrnoException | null)?.code !== 'ENOENT') return fsReason(err);
  let ancestor = dirname(dir);
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch (denied) {
    return fsReason(denied);
  }
  return fsReason(err);
}

/** Node's file system error codes in words. */
function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EROFS':
      return 'read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'disk full';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return (err as Error | null)?.message ?? String(err);
  }
}

/**
 * Why SQLite could not open, set up or migrate the file. SQLite says `unable to open database file`
 * or `attempt to write a readonly database` whatever the cause: the file system is asked which.
 */
function openFailureReason(path: string, err: unknown): string {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'SQLITE_NOTADB') return 'not a database (or encrypted)';
  if (code === 'SQLITE_CORRUPT') return 'the database file is corrupt';
  if (code === 'SQLITE_FULL') return 'disk full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'locked by another process (busy past the timeout)';
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR')
  ) {
    const denied = accessProblem(path);
    if (denied !== null) return denied;
    // Opening in WAL mode creates the `-shm` index next to the file: ENOSPC shows as an I/O error.
    if (noSpaceLeft(dirname(path))) return 'disk full';
    if (code.startsWith('SQLITE_READONLY')) return 'read-only';
    if (code.startsWith('SQLITE_IOERR')) return `I/O error (${code})`;
    return 'unable to open the database file';
  }
  return (err as Error | null)?.message ?? String(err);
}

function noSpaceLeft(dir: string): boolean {
  try {
    return statfsSync(dir).bavail === 0;
  } catch {
    return false;
  }
}

/** What stops this process writing the file (or creating it in its directory), or null. */
function accessProblem(path: string): string | null {
  const target = existsSync(path) ? path : dirname(path);
  try {
    if (target !== path && !statSync(target).isDirectory()) return `${target} is not a directory`;
    if (target === path && statSync(path).isDirectory()) return 'it is a directory';
    accessSync(target, constants.R_OK | constants.W_OK);
    return null;
  } catch (err) {
    return target === path ? fsReason(err) : `${fsReason(err)} in ${target}`;
  }
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

/** First line of a migration that must run with foreign keys off (a table rebuild). */
const FOREIGN_KEYS_OFF = /^-- foreign_keys: off[ \t]*\r?\n/;

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
    // A migration that rebuilds a table other tables point at runs with foreign keys off (SQLite
    // ignores the pragma inside a transaction), and checks them before its commit.
    const keysOff = FOREIGN_KEYS_OFF.test(m.sql);
    const keysWere = db.pragma('foreign_keys', { simple: true }) === 1;
    if (keysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (keysOff) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0)
            throw new Error(`migration ${m.name} leaves ${broken.length} broken foreign key(s)`);
        }
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          // The migration log records wall time; it is not domain time.
          new Date().getTime(),
        );
      })();
    } finally {
      if (keysOff && keysWere) db.pragma('foreign_keys = ON');
    }
    applied.push(m.version);
  }
  return applied;
}
