import type { Clock } from '../core/model.js';
import type { Logger } from '../logging.js';
import type { Db } from './database.js';

/**
 * Storage health: whether the database takes writes, and the writes held in memory while it does
 * not. One instance per database connection. Design: docs/storage-faults.md.
 *
 * Every write path that can meet a full disk (or a read-only, failing or locked one) catches the
 * storage error through `failed` instead of letting it escape: the state becomes `failing` with a
 * reason, logged once. What could not be written waits in memory in the registered backlogs, and
 * `catchUp` writes all of them in one transaction, in registration order (detection commits first,
 * then the outbox rows that point at their incidents, then settlements), on a timer and when the
 * next write comes. When that transaction commits, the state is `ok` again, logged once.
 */

/** How often the held writes are retried while storage is failing. */
export const STORAGE_RETRY_MS = 2_000;

/** SQLite result codes (better-sqlite3's `SqliteError.code`) that mean "storage", not "bug". */
const STORAGE_CODES: readonly (readonly [prefix: string, reason: string])[] = [
  ['SQLITE_FULL', 'disk full'],
  ['SQLITE_IOERR', 'I/O error'],
  ['SQLITE_READONLY', 'read-only'],
  ['SQLITE_CANTOPEN', 'cannot open the database file'],
  ['SQLITE_BUSY', 'database locked by another connection'],
  ['SQLITE_LOCKED', 'database locked by another connection'],
  ['SQLITE_PROTOCOL', 'database locked by another connection'],
];
/** Node's file system codes for the same conditions (files written next to the database). */
const FS_CODES: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only',
  EIO: 'I/O error',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** The reason a storage error gives (`disk full`, `read-only`, …), or null for any other error. */
export function storageErrorReason(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_IOERR_NOMEM') return null;
  // SQLITE_IOERR_WRITE and friends on a full disk: SQLite reports ENOSPC as SQLITE_FULL, but some
  // file systems answer a write past their size with EIO or EFBIG instead.
  for (const [prefix, reason] of STORAGE_CODES) if (code.startsWith(prefix)) return reason;
  return FS_CODES[code] ?? null;
}

/** Thrown to callers (chat commands) when what they asked for could not be stored. */
export class StorageUnavailableError extends Error {
  readonly storageUnavailable = true;
  constructor(readonly reason: string) {
    super(`storage unavailable: ${reason}`);
    this.name = 'StorageUnavailableError';
  }
}

export type StorageState =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly code: string; readonly since: number };

/** Writes held in memory while storage is failing; written back by `StorageHealth.catchUp`. */
export interface StorageBacklog {
  /** Something is waiting. */
  pending(): boolean;
  /** Inside the catch-up transaction: writes what is waiting (throws to roll everything back). */
  write(): void;
  /** After the catch-up transaction committed: forgets what it wrote. */
  written(): void;
}

export class StorageHealth {
  private current: StorageState = { ok: true };
  private readonly backlogs: StorageBacklog[] = [];
  private readonly catchUpTx;
  private readonly probeTx;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private catchingUp = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log?: Pick<Logger, 'error' | 'info' | 'warn'>,
    private readonly retryMs = STORAGE_RETRY_MS,
  ) {
    const probe = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('storage-probe', ?)");
    // One small commit first: while it fails, the backlog (thousands of commits) is not rewritten.
    this.probeTx = db.transaction(() => probe.run(String(this.clock.now())));
    this.catchUpTx = db.transaction(() => {
      for (const backlog of this.backlogs) if (backlog.pending()) backlog.write();
      // A write of its own, so that even with nothing held "writable again" is a commit that worked.
      probe.run(String(this.clock.now()));
    });
  }

  get state(): StorageState {
    return this.current;
  }

  get ok(): boolean {
    return this.current.ok;
  }

  /** Registers a backlog; `catchUp` writes them in registration order. */
  addBacklog(backlog: StorageBacklog): void {
    this.backlogs.push(backlog);
  }

  /** Something is held in memory: new writes must queue behind it to keep their order. */
  backlogged(): boolean {
    return this.backlogs.some((b) => b.pending());
  }

  /**
   * Records a failed write. Returns true when `err` is a storage error (the state is now failing,
   * logged on the change only, and a retry is scheduled); false for any other error, which the
   * caller rethrows. (better-sqlite3 has rolled the transaction back already, also when the
   * COMMIT itself failed.)
   */
  failed(err: unknown, where: string): boolean {
    const reason = storageErrorReason(err);
    if (reason === null) return false;
    const code = String((err as { code: string }).code);
    if (this.current.ok) {
      this.current = { ok: false, reason, code, since: this.clock.now() };
      this.log?.error(
        { code, reason, where, message: (err as Error).message },
        `database not writable (${reason}): holding writes in memory, retrying every ${this.retryMs / 1000} s`,
      );
    } else if (this.current.reason !== reason) {
      this.current = { ...this.current, reason, code };
      this.log?.warn({ code, reason, where }, `database still not writable, now: ${reason}`);
    }
    this.scheduleRetry();
    return true;
  }

  /**
   * A write went through: when nothing is held any more, storage is healthy again. (A write that
   * succeeds while backlogs wait is not proof enough: `catchUp` ends the fault.)
   */
  succeeded(): void {
    if (this.current.ok || this.backlogged()) return;
    this.recovered();
  }

  /**
   * Writes every backlog in one transaction. True when nothing is held any more. Throttled to one
   * attempt per retry period unless `force`.
   */
  catchUp(force = false): boolean {
    if (this.catchingUp) return false;
    if (this.current.ok && !this.backlogged()) return true;
    const now = this.clock.now();
    if (!force && now - this.lastAttempt < this.retryMs) return false;
    this.lastAttempt = now;
    this.catchingUp = true;
    try {
      if (!this.current.ok) this.probeTx();
      this.catchUpTx();
    } catch (err) {
      this.catchingUp = false;
      if (this.failed(err, 'catch-up')) return false;
      throw err;
    }
    this.catchingUp = false;
    for (const backlog of this.backlogs) backlog.written();
    this.recovered();
    return true;
  }

  /**
   * Runs a write that has nothing to hold back (a chat command, a saved setting): on a storage
   * error the state becomes failing and `StorageUnavailableError` is thrown for the caller to
   * answer with; other errors pass through.
   */
  guard<T>(where: string, write: () => T): T {
    let result: T;
    try {
      result = write();
    } catch (err) {
      if (this.failed(err, where)) throw new StorageUnavailableError(storageErrorReason(err) ?? 'unknown');
      throw err;
    }
    this.succeeded();
    return result;
  }

  /**
   * The same object with `methods` run through `guard`: a store whose writes come from chat
   * commands, so that a write that cannot be stored answers with StorageUnavailableError.
   */
  guardMethods<T extends object>(target: T, methods: readonly (keyof T & string)[]): T {
    const guarded = new Set<string | symbol>(methods);
    return new Proxy(target, {
      get: (object, name, receiver) => {
        const value: unknown = Reflect.get(object, name, receiver);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (!guarded.has(name)) return fn.bind(object);
        return (...args: unknown[]) => this.guard(`${String(name)}`, () => fn.apply(object, args));
      },
    });
  }

  /** Stops the retry timer (the app is stopping). */
  stop(): void {
    if (this.retryTimer !== null) clearInterval(this.retryTimer);
    this.retryTimer = null;
  }

  private recovered(): void {
    if (this.retryTimer !== null) clearInterval(this.retryTimer);
    this.retryTimer = null;
    if (this.current.ok) return;
    const downMs = this.clock.now() - this.current.since;
    this.current = { ok: true };
    this.log?.info({ downMs }, 'database writable again: held writes stored');
    // The WAL grew while checkpoints could not write the database file: copy it over and give its
    // space back to the file system, which was full a moment ago. Best effort; SQLite's automatic
    // checkpoints would get there too, without shrinking the file.
    if (!this.db.inTransaction) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // busy or still short of space: the next automatic checkpoint tries again
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    let lastError = '';
    this.retryTimer = setInterval(() => {
      try {
        this.catchUp(true);
      } catch (err) {
        // Not a storage error: a bug in what waits. Said once per different error, not every retry.
        const text = String((err as Error | null)?.message ?? err);
        if (text !== lastError) this.log?.error({ err }, 'storage catch-up failed');
        lastError = text;
      }
    }, this.retryMs).unref();
  }
}
