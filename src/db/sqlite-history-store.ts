import {
  DAY_MS,
  HOUR_MS,
  type HourBucket,
  type RawCheck,
  dayOf,
  decodeChunk,
  decodeDay,
  encodeDay,
  hourOf,
  summariseHour,
} from './check-encoding.js';
import type { Awaitable } from '../core/awaitable.js';
import { type Db, flushPendingWrites } from './database.js';

/** Raw results are kept this long. */
export const RAW_RETENTION_MS = 48 * HOUR_MS;
/** Hourly roll-ups are kept this long. */
export const ROLLUP_RETENTION_MS = 400 * DAY_MS;
const CURSOR_KEY = 'rollup_hour';

export interface DaySummary {
  readonly day: number;
  readonly count: number;
  readonly failures: number;
  readonly degraded: number;
}

/**
 * What the service history (status page bars, charts) reads of the check history. Every method
 * returns `Awaitable` (SQLite answers at once, PostgreSQL with a promise): the reader awaits.
 */
export interface HistoryReader {
  /** Every monitor's storage reference (`monitors.ref`) by its id. */
  monitorRefs(): Awaitable<readonly { readonly ref: number; readonly id: string }[]>;
  /** Raw checks of one monitor between two times (both included), oldest first. */
  rawChecks(monitorRef: number, from: number, to: number): Awaitable<RawCheck[]>;
  /** Per-day totals of one monitor from `fromDay` to `toDay` (both included), oldest first. */
  dailySummaries(monitorRef: number, fromDay: number, toDay: number): Awaitable<DaySummary[]>;
  /** The rolled-up hours of one monitor in the whole days from `from` to `to`, oldest first. */
  hourlyBuckets(
    monitorRef: number,
    from: number,
    to: number,
  ): Awaitable<{ readonly hourStart: number; readonly bucket: HourBucket }[]>;
}

/** Check history: raw chunks for 48 hours, hourly roll-ups for 400 days. */
export class SqliteHistoryStore implements HistoryReader {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      cursor: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setCursor: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      firstHour: db.prepare('SELECT MIN(hour) AS h FROM check_chunks'),
      chunksOfHour: db.prepare('SELECT monitor_ref, data FROM check_chunks WHERE hour = ?'),
      day: db.prepare('SELECT data FROM check_rollups WHERE monitor_ref = ? AND day = ?'),
      putDay: db.prepare(
        `INSERT INTO check_rollups (monitor_ref, day, data) VALUES (?, ?, ?)
         ON CONFLICT (monitor_ref, day) DO UPDATE SET data = excluded.data`,
      ),
      chunks: db.prepare(
        'SELECT hour, data FROM check_chunks WHERE monitor_ref = ? AND hour BETWEEN ? AND ? ORDER BY hour',
      ),
      days: db.prepare(
        'SELECT day, data FROM check_rollups WHERE monitor_ref = ? AND day BETWEEN ? AND ? ORDER BY day',
      ),
      pruneChunks: db.prepare('DELETE FROM check_chunks WHERE hour < ?'),
      pruneFailures: db.prepare('DELETE FROM check_failures WHERE at < ?'),
      pruneRollups: db.prepare('DELETE FROM check_rollups WHERE day < ?'),
      monitorRefs: db.prepare('SELECT ref, id FROM monitors'),
    };
  }

  monitorRefs(): { ref: number; id: string }[] {
    return this.stmt.monitorRefs.all() as { ref: number; id: string }[];
  }

  /**
   * Rolls up every complete hour not rolled up yet (also hours missed while the process was down).
   * Returns how many hours were rolled up.
   */
  rollUpCompleteHours(now: number): number {
    flushPendingWrites(this.db);
    const lastComplete = hourOf(now) - 1;
    const cursorRow = this.stmt.cursor.get(CURSOR_KEY) as { value: string } | undefined;
    const first = cursorRow
      ? Number(cursorRow.value) + 1
      : (this.stmt.firstHour.get() as { h: number | null }).h;
    if (first === null) return 0;
    let done = 0;
    for (let hour = first; hour <= lastComplete; hour++) {
      this.db.transaction(() => {
        this.rollUpHour(hour);
        this.stmt.setCursor.run(CURSOR_KEY, String(hour));
      })();
      done++;
    }
    return done;
  }

  /** Rolls one hour of every monitor into its day row. Idempotent per (monitor, hour). */
  rollUpHour(hour: number): void {
    flushPendingWrites(this.db);
    const day = Math.floor((hour * HOUR_MS) / DAY_MS);
    const slot = hour - day * 24;
    const rows = this.stmt.chunksOfHour.all(hour) as { monitor_ref: number; data: Buffer }[];
    for (const row of rows) {
      const bucket = summariseHour(decodeChunk(hour, row.data));
      const existing = this.stmt.day.get(row.monitor_ref, day) as { data: Buffer } | undefined;
      const slots = existing ? decodeDay(existing.data) : [];
      while (slots.length < slot) slots.push(null);
      slots[slot] = bucket;
      this.storeDay(row.monitor_ref, day, slots);
    }
  }

  /** Writes one monitor's day of hourly buckets (index = hour of day), replacing what was there. */
  storeDay(monitorRef: number, day: number, slots: readonly (HourBucket | null)[]): void {
    this.stmt.putDay.run(monitorRef, day, encodeDay(slots));
  }

  /** Deletes raw data older than 48 hours and roll-ups older than 400 days. */
  prune(now: number): void {
    flushPendingWrites(this.db);
    this.db.transaction(() => {
      this.stmt.pruneChunks.run(hourOf(now - RAW_RETENTION_MS));
      this.stmt.pruneFailures.run(now - RAW_RETENTION_MS);
      this.stmt.pruneRollups.run(dayOf(now - ROLLUP_RETENTION_MS));
    })();
  }

  /** Raw checks of one monitor between two times, oldest first. */
  rawChecks(monitorRef: number, from: number, to: number): RawCheck[] {
    flushPendingWrites(this.db);
    const rows = this.stmt.chunks.all(monitorRef, hourOf(from), hourOf(to)) as {
      hour: number;
      data: Buffer;
    }[];
    return rows.flatMap((r) => decodeChunk(r.hour, r.data)).filter((c) => c.at >= from && c.at <= to);
  }

  /** Hourly buckets of one monitor for whole days between two times. */
  hourlyBuckets(monitorRef: number, from: number, to: number): { hourStart: number; bucket: HourBucket }[] {
    const rows = this.stmt.days.all(monitorRef, dayOf(from), dayOf(to)) as RollupRow[];
    return hourlyBucketsOf(rows);
  }

  /** Per-day totals of one monitor, for availability bars. */
  dailySummaries(monitorRef: number, fromDay: number, toDay: number): DaySummary[] {
    const rows = this.stmt.days.all(monitorRef, fromDay, toDay) as RollupRow[];
    return rows.map(daySummaryOf);
  }
}

/** A `check_rollups` row of one monitor (both backends). */
export interface RollupRow {
  day: number;
  data: Buffer;
}

/** The hours with checks in days of roll-ups, oldest first (both backends). */
export function hourlyBucketsOf(rows: readonly RollupRow[]): { hourStart: number; bucket: HourBucket }[] {
  return rows.flatMap((r) =>
    decodeDay(r.data).flatMap((bucket, h) =>
      bucket ? [{ hourStart: r.day * DAY_MS + h * HOUR_MS, bucket }] : [],
    ),
  );
}

/** A day's totals from its roll-up (both backends). */
export function daySummaryOf(r: RollupRow): DaySummary {
  const slots = decodeDay(r.data).filter((b): b is HourBucket => b !== null);
  return {
    day: r.day,
    count: slots.reduce((n, b) => n + b.count, 0),
    failures: slots.reduce((n, b) => n + b.failures, 0),
    degraded: slots.reduce((n, b) => n + b.degraded, 0),
  };
}
