import type pg from 'pg';
import type { AsyncPort, Awaitable } from '../../core/awaitable.js';
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
} from '../check-encoding.js';
import {
  type DaySummary,
  RAW_RETENTION_MS,
  ROLLUP_RETENTION_MS,
  type RollupRow,
  type SqliteHistoryStore,
  daySummaryOf,
  hourlyBucketsOf,
} from '../sqlite-history-store.js';
import { withTransaction } from './pool.js';

const CURSOR_KEY = 'rollup_hour';
/**
 * The transaction-level advisory lock taken around each roll-up: processes sharing the database
 * roll an hour up one at a time (a roll-up reads a day row, changes one slot and writes it back).
 * Any constant works; this one is "roll" in ASCII.
 */
const ROLLUP_LOCK = 0x726f6c6c;

export interface PostgresHistoryStoreOptions {
  /**
   * Commits the check results still queued in this process (the detection store's commit queue)
   * before the raw chunks are read, as `flushPendingWrites` does on SQLite.
   */
  readonly pendingWrites?: () => Awaitable<unknown>;
}

/**
 * Check history in PostgreSQL: what `SqliteHistoryStore` does, over the same tables and the same
 * encodings (check-encoding.ts), so a roll-up is byte for byte what SQLite stores for the same raw
 * checks. Raw chunks are written by the detection store; this reads them, rolls each complete hour
 * into its day row of `check_rollups` (the cursor in `meta`, key `rollup_hour`) and prunes.
 *
 * Each hour is rolled up in its own transaction holding an advisory lock, which re-reads the
 * cursor: with several processes on one database an hour is rolled up once and no day row loses
 * another's slot.
 */
export class PostgresHistoryStore implements AsyncPort<SqliteHistoryStore> {
  private readonly pendingWrites: () => Awaitable<unknown>;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresHistoryStoreOptions = {},
  ) {
    this.pendingWrites = options.pendingWrites ?? (() => undefined);
  }

  /** Every monitor's compact key (the history is stored by it). */
  async monitorRefs(): Promise<{ ref: number; id: string }[]> {
    const { rows } = await this.pool.query<{ ref: number; id: string }>('SELECT ref, id FROM monitors');
    return rows;
  }

  /**
   * Rolls up every complete hour not rolled up yet (also hours missed while the process was down).
   * Returns how many hours this call rolled up.
   */
  async rollUpCompleteHours(now: number): Promise<number> {
    await this.pendingWrites();
    const lastComplete = hourOf(now) - 1;
    const { rows } = await this.pool.query<{ cursor: string | null; first: number | null }>(
      `SELECT (SELECT value FROM meta WHERE key = $1) AS cursor, (SELECT MIN(hour) FROM check_chunks) AS first`,
      [CURSOR_KEY],
    );
    const cursor = rows[0]?.cursor ?? null;
    const first = cursor !== null ? Number(cursor) + 1 : (rows[0]?.first ?? null);
    if (first === null) return 0;
    let done = 0;
    for (let hour = first; hour <= lastComplete; hour++) {
      const rolled = await this.transaction(async (client) => {
        const current = await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [
          CURSOR_KEY,
        ]);
        const value = current.rows[0]?.value;
        // Another process rolled it up since the cursor was read.
        if (value !== undefined && Number(value) >= hour) return false;
        await this.rollUpHourIn(client, hour, true);
        return true;
      });
      if (rolled) done++;
    }
    return done;
  }

  /** Rolls one hour of every monitor into its day row. Idempotent per (monitor, hour). */
  async rollUpHour(hour: number): Promise<void> {
    await this.pendingWrites();
    await this.transaction((client) => this.rollUpHourIn(client, hour, false));
  }

  /** Inside a transaction holding the roll-up lock: one statement to read, one to write. */
  private async rollUpHourIn(client: pg.PoolClient, hour: number, moveCursor: boolean): Promise<void> {
    const day = Math.floor((hour * HOUR_MS) / DAY_MS);
    const slot = hour - day * 24;
    const { rows } = await client.query<{ monitor_ref: number; data: Buffer; day_data: Buffer | null }>(
      `SELECT c.monitor_ref, c.data, r.data AS day_data FROM check_chunks c
       LEFT JOIN check_rollups r ON r.monitor_ref = c.monitor_ref AND r.day = $2
       WHERE c.hour = $1 ORDER BY c.monitor_ref`,
      [hour, day],
    );
    const days = rows.map((row) => {
      const slots = row.day_data ? decodeDay(row.day_data) : [];
      while (slots.length < slot) slots.push(null);
      slots[slot] = summariseHour(decodeChunk(hour, row.data));
      return encodeDay(slots);
    });
    await client.query(
      `WITH days AS (
         INSERT INTO check_rollups (monitor_ref, day, data)
         SELECT m, $2::bigint, d FROM unnest($1::bigint[], $3::bytea[]) AS q (m, d)
         ON CONFLICT (monitor_ref, day) DO UPDATE SET data = excluded.data
       )
       INSERT INTO meta (key, value) SELECT $4::text, $5::text WHERE $6::boolean
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [rows.map((row) => row.monitor_ref), day, days, CURSOR_KEY, String(hour), moveCursor],
    );
  }

  /** Runs `fn` in a transaction that holds the roll-up lock. */
  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ROLLUP_LOCK]);
      return fn(client);
    });
  }

  /** Writes one monitor's day of hourly buckets (index = hour of day), replacing what was there. */
  async storeDay(monitorRef: number, day: number, slots: readonly (HourBucket | null)[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO check_rollups (monitor_ref, day, data) VALUES ($1, $2, $3)
       ON CONFLICT (monitor_ref, day) DO UPDATE SET data = excluded.data`,
      [monitorRef, day, encodeDay(slots)],
    );
  }

  /** Deletes raw data older than 48 hours and roll-ups older than 400 days, in one statement. */
  async prune(now: number): Promise<void> {
    await this.pendingWrites();
    await this.pool.query(
      `WITH chunks AS (DELETE FROM check_chunks WHERE hour < $1),
            failures AS (DELETE FROM check_failures WHERE at < $2)
       DELETE FROM check_rollups WHERE day < $3`,
      [hourOf(now - RAW_RETENTION_MS), now - RAW_RETENTION_MS, dayOf(now - ROLLUP_RETENTION_MS)],
    );
  }

  /** Raw checks of one monitor between two times, oldest first. */
  async rawChecks(monitorRef: number, from: number, to: number): Promise<RawCheck[]> {
    await this.pendingWrites();
    const { rows } = await this.pool.query<{ hour: number; data: Buffer }>(
      'SELECT hour, data FROM check_chunks WHERE monitor_ref = $1 AND hour BETWEEN $2 AND $3 ORDER BY hour',
      [monitorRef, hourOf(from), hourOf(to)],
    );
    return rows.flatMap((r) => decodeChunk(r.hour, r.data)).filter((c) => c.at >= from && c.at <= to);
  }

  private async days(monitorRef: number, fromDay: number, toDay: number): Promise<RollupRow[]> {
    const { rows } = await this.pool.query<RollupRow>(
      'SELECT day, data FROM check_rollups WHERE monitor_ref = $1 AND day BETWEEN $2 AND $3 ORDER BY day',
      [monitorRef, fromDay, toDay],
    );
    return rows;
  }

  /** Hourly buckets of one monitor for whole days between two times. */
  async hourlyBuckets(
    monitorRef: number,
    from: number,
    to: number,
  ): Promise<{ hourStart: number; bucket: HourBucket }[]> {
    const rows = await this.days(monitorRef, dayOf(from), dayOf(to));
    return hourlyBucketsOf(rows);
  }

  /** Per-day totals of one monitor, for availability bars. */
  async dailySummaries(monitorRef: number, fromDay: number, toDay: number): Promise<DaySummary[]> {
    const rows = await this.days(monitorRef, fromDay, toDay);
    return rows.map(daySummaryOf);
  }
}
