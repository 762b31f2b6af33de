import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { ServiceHistory } from '../../src/charts/service-history.js';
import { DAY_MS, HOUR_MS, type HourBucket, dayOf, hourOf } from '../../src/db/check-encoding.js';
import { openDatabase } from '../../src/db/database.js';
import { PostgresHistoryStore } from '../../src/db/postgres/postgres-history-store.js';
import { SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { type SeedTarget, appendCheck } from '../helpers/check-chunks.js';
import { poolOn, schemaDatabase } from '../helpers/postgres-schema.js';
import { tempDbPath } from '../helpers/temp-dir.js';

/** 2024-01-15 10:20 UTC: the current hour is 10:00-11:00, far from midnight. */
const NOW = Date.UTC(2024, 0, 15, 10, 20);
const CURRENT_HOUR = hourOf(NOW);

interface Backend {
  readonly history: SqliteHistoryStore | PostgresHistoryStore;
  readonly seed: SeedTarget;
  /** Registers a monitor row (the detection store's job in the app); returns its ref. */
  monitor(id: string): Promise<number>;
}

function sqliteBackend(): Promise<Backend> {
  const db = openDatabase(tempDbPath('uptime-'));
  return Promise.resolve({
    history: new SqliteHistoryStore(db),
    seed: { sqlite: db },
    monitor: async (id) =>
      Number(
        db
          .prepare(
            "INSERT INTO monitors (id, service_id, type, target) VALUES (?, 'svc', 'http', 'https://x/')",
          )
          .run(id).lastInsertRowid,
      ),
  });
}

async function postgresBackend(): Promise<Backend> {
  const pool: pg.Pool = poolOn(await schemaDatabase());
  return {
    history: new PostgresHistoryStore(pool),
    seed: { postgres: pool },
    monitor: async (id) =>
      (
        await pool.query<{ ref: number }>(
          "INSERT INTO monitors (id, service_id, type, target) VALUES ($1, 'svc', 'http', 'https://x/') RETURNING ref",
          [id],
        )
      ).rows[0]!.ref,
  };
}

const bucket = (count: number, failures: number, p95: number | null): HourBucket => ({
  count,
  failures,
  degraded: 0,
  p50: p95 === null ? null : Math.floor(p95 / 2),
  p95,
});

/** Writes hourly buckets of one monitor, `hoursAgo` counted back from the current hour, as the roll-up does. */
async function storeHours(
  b: Backend,
  ref: number,
  hours: readonly { readonly hoursAgo: number; readonly bucket: HourBucket }[],
): Promise<void> {
  const days = new Map<number, (HourBucket | null)[]>();
  for (const h of hours) {
    const start = (CURRENT_HOUR - h.hoursAgo) * HOUR_MS;
    const day = dayOf(start);
    const slots = days.get(day) ?? [];
    const slot = (start - day * DAY_MS) / HOUR_MS;
    while (slots.length < slot) slots.push(null);
    slots[slot] = h.bucket;
    days.set(day, slots);
  }
  for (const [day, slots] of days) await b.history.storeDay(ref, day, slots);
}

describe.each([
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
])('uptime and p95 of hourly p95s from the roll-ups on %s', (_name, makeBackend) => {
  let b: Backend;
  let service: ServiceHistory;
  beforeEach(async () => {
    b = await makeBackend();
    service = new ServiceHistory(b.history, { now: () => NOW });
  });

  it('counts each period back from the current hour: roll-ups for complete hours, raw checks for this one', async () => {
    const http = await b.monitor('svc-http');
    await storeHours(b, http, [
      // 3 hours ago: inside every period.
      { hoursAgo: 3, bucket: bucket(60, 0, 200) },
      // 6 days 23 hours ago: the oldest hour of the 7-day period.
      { hoursAgo: 7 * 24 - 1, bucket: bucket(60, 6, 900) },
      // Exactly 7 days ago: outside 7 days, inside 30.
      { hoursAgo: 7 * 24, bucket: bucket(60, 60, null) },
      // 80 days ago: only in 90.
      { hoursAgo: 80 * 24, bucket: bucket(40, 4, 5000) },
      // 90 days ago: in no period.
      { hoursAgo: 90 * 24, bucket: bucket(60, 60, 9000) },
    ]);
    // The current hour is not rolled up yet: two raw checks, one failed.
    await appendCheck(b.seed, http, { at: NOW - 10 * 60_000, status: 'up', reason: 'ok', latencyMs: 300 });
    await appendCheck(b.seed, http, {
      at: NOW - 5 * 60_000,
      status: 'down',
      reason: 'timeout',
      latencyMs: null,
    });

    const [d7, d30, d90] = await service.uptime(['svc-http'], [7, 30, 90]);
    expect(d7).toEqual({ days: 7, checks: 122, failures: 7, uptime: 115 / 122, p95OfHourlyP95Ms: 900 });
    expect(d30).toEqual({ days: 30, checks: 182, failures: 67, uptime: 115 / 182, p95OfHourlyP95Ms: 900 });
    // Hourly p95s 200, 300, 900, 5000: the nearest-rank 95th percentile of four is the largest.
    expect(d90).toEqual({ days: 90, checks: 222, failures: 71, uptime: 151 / 222, p95OfHourlyP95Ms: 5000 });
  });

  it('takes the 95th percentile of the hourly p95s across every probe of the service, each hour once', async () => {
    const a = await b.monitor('svc-a');
    const c = await b.monitor('svc-b');
    // 40 hours of monitor a at 100 ms and 2 slow hours at 1,000 and 2,000 ms; monitor b's hours at 150 ms.
    await storeHours(b, a, [
      ...Array.from({ length: 40 }, (_, i) => ({ hoursAgo: i + 1, bucket: bucket(60, 0, 100) })),
      { hoursAgo: 41, bucket: bucket(60, 0, 1000) },
      { hoursAgo: 42, bucket: bucket(60, 0, 2000) },
    ]);
    await storeHours(
      b,
      c,
      Array.from({ length: 18 }, (_, i) => ({ hoursAgo: i + 1, bucket: bucket(60, 0, 150) })),
    );
    // 60 hourly p95s: rank ceil(0.95 × 60) = 57 is the 57th smallest, still 150 (the 59th and 60th are slow).
    const [d7] = await service.uptime(['svc-a', 'svc-b'], [7]);
    expect(d7).toMatchObject({ checks: 60 * 60, failures: 0, uptime: 1, p95OfHourlyP95Ms: 150 });
    // Two more slow hours of b: 62 p95s, rank 59 is the first of the four slow ones.
    await storeHours(b, c, [
      ...Array.from({ length: 18 }, (_, i) => ({ hoursAgo: i + 1, bucket: bucket(60, 0, 150) })),
      { hoursAgo: 19, bucket: bucket(60, 0, 1500) },
      { hoursAgo: 20, bucket: bucket(60, 0, 1600) },
    ]);
    expect((await service.uptime(['svc-a', 'svc-b'], [7]))[0]?.p95OfHourlyP95Ms).toBe(1000);
  });

  it('says null, not 100 % or 0 ms, for a period without checks', async () => {
    await b.monitor('svc-http');
    expect(await service.uptime(['svc-http', 'not-registered'], [7])).toEqual([
      { days: 7, checks: 0, failures: 0, uptime: null, p95OfHourlyP95Ms: null },
    ]);
  });
});
