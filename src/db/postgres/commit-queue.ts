import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../logging.js';
import { errorMessage } from './id-blocks.js';

export interface CommitQueueOptions<T> {
  readonly pool: pg.Pool;
  /** Inside the batch's transaction: writes the batch, in order. Throws to roll it back (retried). */
  readonly write: (client: pg.PoolClient, batch: readonly T[]) => Promise<void>;
  /** After the batch's transaction committed. */
  readonly written?: (batch: readonly T[]) => void;
  /** Entries that may be dropped, oldest first, when more than `maxDroppable` of them wait. */
  readonly droppable: (entry: T) => boolean;
  readonly maxDroppable: number;
  /** How long an entry waits for company before its batch is written. */
  readonly batchMs: number;
  /** Most entries in one transaction; this many waiting are written at once, whatever the time. */
  readonly maxBatch: number;
  /** The first retry of a failed batch waits this long, doubling up to `maxRetryMs`. */
  readonly minRetryMs?: number;
  readonly maxRetryMs?: number;
  /**
   * The `meta` row each batch's transaction sets to the batch's own marker: a batch retried after
   * its COMMIT failed without an answer (the connection lost) is looked up there, so a batch that
   * did commit is not written twice.
   */
  readonly markerKey: string;
  /**
   * A batch still being written after this long makes the queue not `ok` (a database that hangs
   * instead of refusing: a connection or a statement that does not answer).
   */
  readonly stallMs?: number;
  readonly now: () => number;
  readonly log?: Logger;
  /** For the logs: what the queue writes. */
  readonly what: string;
}

/** The queue's health, for `/healthz` and `/metrics`. */
export interface CommitQueueHealth {
  /**
   * The last batch written committed (or none has failed yet), and the one being written has not
   * taken longer than `stallMs`.
   */
  readonly ok: boolean;
  /** When `ok` last changed (the queue's start at first). */
  readonly since: number;
  /** The last failure's message, also once written again; null when none since start. */
  readonly lastError: string | null;
  /** Entries not written yet (the batch being written included). */
  readonly queued: number;
  /** Of those, how many may be dropped (check results). */
  readonly queuedDroppable: number;
  /** Droppable entries dropped since start because more than `maxDroppable` waited. */
  readonly dropped: number;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
const STALL_MS = 5_000;
const UPSERT_MARKER = `INSERT INTO meta (key, value) VALUES ($1, $2)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

/**
 * An ordered write queue over PostgreSQL: entries are pushed synchronously and written in batches,
 * one transaction per batch, batches in order. A batch that fails is retried (the same entries, in
 * the same order) with backoff, and nothing after it is written before it commits: whatever the
 * entries' order means (an incident's changes, a chat's alerts) holds in the database.
 *
 * While the database is slow or away the queue grows; only `droppable` entries beyond
 * `maxDroppable` are dropped, oldest first, and counted. Everything else waits.
 */
export class CommitQueue<T> {
  /** Waiting entries from `head` on; dropped ones are null until compacted. */
  private entries: (T | null)[] = [];
  private head = 0;
  /** Entries before this index are not droppable (or dropped): where to look for the oldest. */
  private scan = 0;
  private live = 0;
  private liveDroppable = 0;
  private dropped = 0;
  private inflight: readonly T[] = [];
  /** When the batch being written was taken. */
  private inflightSince = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing = 0;
  private closed = false;
  private ok = true;
  private since: number;
  private lastError: string | null = null;
  private batchSeq = 0;
  private transactions = 0;
  private readonly token = randomUUID();

  constructor(private readonly options: CommitQueueOptions<T>) {
    this.since = options.now();
  }

  push(entry: T): void {
    this.entries.push(entry);
    this.live++;
    if (this.options.droppable(entry)) {
      this.liveDroppable++;
      while (this.liveDroppable > this.options.maxDroppable && this.dropOldest());
    }
    if (this.live >= this.options.maxBatch) this.kick();
    else this.schedule();
  }

  health(): CommitQueueHealth {
    let inflightDroppable = 0;
    for (const e of this.inflight) if (this.options.droppable(e)) inflightDroppable++;
    const stalledAt = this.inflightSince + (this.options.stallMs ?? STALL_MS);
    const stalled = this.inflight.length > 0 && this.options.now() >= stalledAt;
    return {
      ok: this.ok && !stalled,
      since: this.ok && stalled ? stalledAt : this.since,
      lastError: this.lastError,
      queued: this.live + this.inflight.length,
      queuedDroppable: this.liveDroppable + inflightDroppable,
      dropped: this.dropped,
    };
  }

  /** Transactions committed since start (batches written). */
  committedBatches(): number {
    return this.transactions;
  }

  /**
   * Writes everything waiting, including what is pushed meanwhile; resolves when nothing waits. While
   * the database is away it waits for it (the caller bounds the wait, e.g. at stop).
   */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (!this.closed && (this.live > 0 || this.running !== null)) {
        this.kick();
        await this.running;
      }
    } finally {
      this.flushing--;
    }
  }

  /** Stops writing: what still waits is not written (call `flush` first). */
  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private schedule(): void {
    if (this.timer !== null || this.running !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.options.batchMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private kick(): void {
    if (this.running !== null || this.closed || this.live === 0) return;
    this.clearTimer();
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.live > 0) {
        if (this.live >= this.options.maxBatch) this.kick();
        else this.schedule();
      }
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.inflight = batch;
      this.inflightSince = this.options.now();
      const done = await this.writeUntilDone(batch);
      this.inflight = [];
      if (!done) return;
      try {
        this.options.written?.(batch);
      } catch (err) {
        this.options.log?.error({ err: errorMessage(err) }, `${this.options.what}: after-commit work failed`);
      }
      // A small remainder waits for company, unless somebody waits for everything.
      if (this.live < this.options.maxBatch && this.flushing === 0) return;
    }
  }

  /** Writes the batch, retrying with backoff until it commits; false when the queue was closed. */
  private async writeUntilDone(batch: readonly T[]): Promise<boolean> {
    const marker = `${this.token}:${++this.batchSeq}`;
    let delay = this.options.minRetryMs ?? MIN_RETRY_MS;
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.writeOnce(batch, marker, attempt > 0);
        this.transactions++;
        this.succeeded();
        return true;
      } catch (err) {
        this.failed(err);
      }
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(delay * 2, this.options.maxRetryMs ?? MAX_RETRY_MS);
    }
    return false;
  }

  private async writeOnce(batch: readonly T[], marker: string, retry: boolean): Promise<void> {
    const client = await this.options.pool.connect();
    try {
      if (retry) {
        const seen = await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [
          this.options.markerKey,
        ]);
        if (seen.rows[0]?.value === marker) {
          client.release();
          return; // committed already: the answer to its COMMIT was lost
        }
      }
      await client.query('BEGIN');
      await this.options.write(client, batch);
      await client.query(UPSERT_MARKER, [this.options.markerKey, marker]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true); // the connection may be broken: never reused
      throw err;
    }
    client.release();
  }

  private succeeded(): void {
    if (this.ok) return;
    this.ok = true;
    this.since = this.options.now();
    this.options.log?.info({ queued: this.live }, `${this.options.what}: writing again`);
  }

  private failed(err: unknown): void {
    this.lastError = errorMessage(err);
    if (!this.ok) return;
    this.ok = false;
    this.since = this.options.now();
    this.options.log?.warn(
      { err: this.lastError },
      `${this.options.what}: write failed, kept in memory and retried`,
    );
  }

  private takeBatch(): T[] {
    const batch: T[] = [];
    while (this.head < this.entries.length && batch.length < this.options.maxBatch) {
      const entry = this.entries[this.head++];
      if (entry === null || entry === undefined) continue;
      batch.push(entry);
      this.live--;
      if (this.options.droppable(entry)) this.liveDroppable--;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = this.scan = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.scan = Math.max(0, this.scan - this.head);
      this.head = 0;
    }
    return batch;
  }

  private dropOldest(): boolean {
    for (let i = Math.max(this.scan, this.head); i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry === null || entry === undefined || !this.options.droppable(entry)) continue;
      this.entries[i] = null;
      this.live--;
      this.liveDroppable--;
      this.dropped++;
      this.scan = i + 1;
      // Tombstones are compacted once they are most of the array.
      if (this.entries.length > 1024 && this.live * 2 < this.entries.length - this.head) {
        this.entries = this.entries.slice(this.head).filter((e) => e !== null);
        this.head = this.scan = 0;
      }
      return true;
    }
    this.scan = this.entries.length;
    return false;
  }
}
