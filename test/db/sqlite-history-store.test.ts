import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialMonitorRecord } from '../../src/core/detection/monitor-state.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import {
  DAY_MS,
  HOUR_MS,
  type HourBucket,
  type RawCheck,
  dayOf,
  encodeDay,
  hourOf,
} from '../../src/db/check-encoding.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { PostgresHistoryStore } from '../../src/db/postgres/postgres-history-store.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import {
  RAW_RETENTION_MS,
  ROLLUP_RETENTION_MS,
  SqliteHistoryStore,
} from '../../src/db/sqlite-history-store.js';
import { buildCatalog } from '../helpers/catalog.js';
import { type SeedTarget, appendCheck } from '../helpers/check-chunks.js';
import { numbered, poolOn, schemaDatabase } from '../helpers/postgres-schema.js';

const MINUTE = 60_000;
/** 10:00 UTC: a whole hour, far from a day boundary. */
const H0 = hourOf(Date.UTC(2024, 0, 15, 10));
const hourStart = (hour: number): number => hour * HOUR_MS;
const catalog = buildCatalog({ services: [{ id: 'a' }, { id: 'b' }] });
/** Monitor refs of the seeded checks (the detection store assigns them; the history store only reads them). */
const REFS: Readonly<Record<string, number>> = { 'a-http': 1, 'b-http': 2 };
const ref = (monitorId: string): number => REFS[monitorId] ?? Number.NaN;

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'history-store-'));
  dirs.push(dir);
  return join(dir, 'bot.sqlite');
}

/** A history store on a database, how to seed raw checks into it, and plain SQL (`?` placeholders). */
interface Backend {
  history: SqliteHistoryStore | PostgresHistoryStore;
  readonly seed: SeedTarget;
  rows(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  /** A new store over a new connection to the same database: a restart. */
  reopen(): Promise<void>;
}

function sqliteBackend(path = tempPath()): Backend {
  const connect = (): Db => {
    const db = openDatabase(path);
    dbs.push(db);
    return db;
  };
  let db = connect();
  const backend: Backend = {
    history: new SqliteHistoryStore(db),
    get seed() {
      return { sqlite: db };
    },
    rows: (sql, ...params) => {
      const stmt = db.prepare(sql);
      return Promise.resolve(
        stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []),
      );
    },
    reopen: () => {
      db.close();
      db = connect();
      backend.history = new SqliteHistoryStore(db);
      return Promise.resolve();
    },
  };
  return backend;
}

async function postgresBackend(): Promise<Backend> {
  const url = await schemaDatabase();
  let pool: pg.Pool = poolOn(url);
  const backend: Backend = {
    history: new PostgresHistoryStore(pool),
    get seed() {
      return { postgres: pool };
    },
    rows: async (sql, ...params) => (await pool.query<Record<string, unknown>>(numbered(sql), params)).rows,
    reopen: async () => {
      await pool.end();
      pool = poolOn(url);
      backend.history = new PostgresHistoryStore(pool);
    },
  };
  return backend;
}

const backends: [string, () => Promise<Backend>][] = [
  ['sqlite', () => Promise.resolve(sqliteBackend())],
  ['postgres', postgresBackend],
];

const check = (
  at: number,
  status: ProbeOutcome['status'] = 'up',
  latencyMs: number | null = 100,
): RawCheck => ({ at, status, reason: status === 'down' ? 'timeout' : 'ok', latencyMs });

const bucket = (count: number, extra: Partial<HourBucket> = {}): HourBucket => ({
  count,
  failures: 0,
  degraded: 0,
  p50: 100,
  p95: 100,
  ...extra,
});

describe.each(backends)('history store on %s', (_name, makeBackend) => {
  let b: Backend;
  beforeEach(async () => {
    b = await makeBackend();
  });
  /** Writes one check the way the detection store does. */
  const append = (
    monitorId: string,
    at: number,
    status: ProbeOutcome['status'] = 'up',
    latencyMs: number | null = 100,
  ): Promise<void> => appendCheck(b.seed, ref(monitorId), check(at, status, latencyMs));
  const buckets = async (monitorId: string): Promise<{ hourStart: number; bucket: HourBucket }[]> =>
    await b.history.hourlyBuckets(ref(monitorId), hourStart(H0 - 48), hourStart(H0 + 48));

  describe('rollUpCompleteHours', () => {
    it('rolls up each complete hour once and leaves the current hour alone', async () => {
      for (let i = 0; i < 4; i++) await append('a-http', hourStart(H0) + i * MINUTE);
      await append('a-http', hourStart(H0 + 1) + 5 * MINUTE);
      await append('b-http', hourStart(H0 + 1) + 6 * MINUTE, 'down', null);
      await append('a-http', hourStart(H0 + 2) + MINUTE);
      const now = hourStart(H0 + 2) + 30 * MINUTE;

      expect(await b.history.rollUpCompleteHours(now)).toBe(2);
      expect(await buckets('a-http')).toEqual([
        { hourStart: hourStart(H0), bucket: bucket(4) },
        { hourStart: hourStart(H0 + 1), bucket: bucket(1) },
      ]);
      expect(await buckets('b-http')).toEqual([
        { hourStart: hourStart(H0 + 1), bucket: bucket(1, { failures: 1, p50: null, p95: null }) },
      ]);

      expect(await b.history.rollUpCompleteHours(now)).toBe(0);
      expect(await buckets('a-http')).toHaveLength(2);

      expect(await b.history.rollUpCompleteHours(hourStart(H0 + 3))).toBe(1);
      expect((await buckets('a-http'))[2]).toEqual({ hourStart: hourStart(H0 + 2), bucket: bucket(1) });
    });

    it('does not count an hour twice when it is rolled up again', async () => {
      for (let i = 0; i < 3; i++) await append('a-http', hourStart(H0) + i * MINUTE);
      await b.history.rollUpCompleteHours(hourStart(H0 + 1));
      await b.history.rollUpHour(H0);
      await b.history.rollUpHour(H0);
      expect(await buckets('a-http')).toEqual([{ hourStart: hourStart(H0), bucket: bucket(3) }]);
    });

    it('does nothing while there is no complete hour of data', async () => {
      expect(await b.history.rollUpCompleteHours(hourStart(H0))).toBe(0);
      await append('a-http', hourStart(H0) + MINUTE);
      expect(await b.history.rollUpCompleteHours(hourStart(H0) + 59 * MINUTE)).toBe(0);
      expect(await b.history.rollUpCompleteHours(hourStart(H0 + 1))).toBe(1);
    });

    it('resumes after a restart from the cursor it stored', async () => {
      await append('a-http', hourStart(H0) + MINUTE);
      await append('a-http', hourStart(H0 + 1) + MINUTE);
      expect(await b.history.rollUpCompleteHours(hourStart(H0 + 1) + MINUTE)).toBe(1);
      expect(await b.rows("SELECT value FROM meta WHERE key = 'rollup_hour'")).toEqual([
        { value: String(H0) },
      ]);

      await b.reopen();
      expect(await b.history.rollUpCompleteHours(hourStart(H0 + 1) + MINUTE)).toBe(0);
      expect(await b.history.rollUpCompleteHours(hourStart(H0 + 2))).toBe(1);
      expect((await buckets('a-http')).map((x) => x.hourStart)).toEqual([hourStart(H0), hourStart(H0 + 1)]);
    });

    it('catches up every hour missed since the last roll-up, gaps included', async () => {
      await append('a-http', hourStart(H0) + MINUTE);
      await b.history.rollUpCompleteHours(hourStart(H0 + 1));
      for (const h of [1, 2, 4, 5]) await append('a-http', hourStart(H0 + h) + MINUTE);

      expect(await b.history.rollUpCompleteHours(hourStart(H0 + 6) + MINUTE)).toBe(5);
      expect((await buckets('a-http')).map((x) => x.hourStart)).toEqual(
        [0, 1, 2, 4, 5].map((h) => hourStart(H0 + h)),
      );
    });

    it('puts hours either side of midnight into their own days', async () => {
      const midnight = hourOf(Date.UTC(2024, 0, 16));
      await append('a-http', hourStart(midnight - 2) + MINUTE);
      await append('a-http', hourStart(midnight - 1) + MINUTE, 'down', null);
      await append('a-http', hourStart(midnight) + MINUTE, 'degraded', 900);
      await b.history.rollUpCompleteHours(hourStart(midnight + 1));

      const day = dayOf(hourStart(midnight));
      expect(await b.history.dailySummaries(ref('a-http'), day - 1, day)).toEqual([
        { day: day - 1, count: 2, failures: 1, degraded: 0 },
        { day, count: 1, failures: 0, degraded: 1 },
      ]);
      expect((await buckets('a-http')).map((x) => x.hourStart)).toEqual(
        [midnight - 2, midnight - 1, midnight].map(hourStart),
      );
    });

    it('computes p50 and p95 of an hour from its raw checks', async () => {
      const latencies = [
        130, 20, 200, 60, 110, 10, 170, 90, 40, 150, 190, 30, 80, 120, 50, 180, 160, 70, 140, 100,
      ];
      for (const [i, ms] of latencies.entries()) await append('a-http', hourStart(H0) + i * MINUTE, 'up', ms);
      await append('a-http', hourStart(H0) + 40 * MINUTE, 'down', null);
      await append('a-http', hourStart(H0) + 41 * MINUTE, 'down', null);
      await b.history.rollUpCompleteHours(hourStart(H0 + 1));
      expect(await buckets('a-http')).toEqual([
        { hourStart: hourStart(H0), bucket: { count: 22, failures: 2, degraded: 0, p50: 100, p95: 190 } },
      ]);
    });
  });

  describe('storeDay', () => {
    it('replaces a day of buckets, read back hour by hour', async () => {
      const day = dayOf(hourStart(H0));
      await b.history.storeDay(ref('a-http'), day, [bucket(5), null, bucket(7, { degraded: 2 })]);
      await b.history.storeDay(ref('a-http'), day, [null, bucket(3)]);
      expect(await b.history.hourlyBuckets(ref('a-http'), day * DAY_MS, day * DAY_MS)).toEqual([
        { hourStart: day * DAY_MS + HOUR_MS, bucket: bucket(3) },
      ]);
    });
  });

  describe('rawChecks', () => {
    it('returns the checks of one monitor within the range, oldest first, across hours', async () => {
      await append('a-http', hourStart(H0) + 50 * MINUTE, 'up', 80);
      await append('b-http', hourStart(H0) + 55 * MINUTE);
      await append('a-http', hourStart(H0 + 1) + 5 * MINUTE, 'down', null);
      await append('a-http', hourStart(H0 + 1) + 10 * MINUTE, 'up', 90);
      expect(
        await b.history.rawChecks(ref('a-http'), hourStart(H0) + 50 * MINUTE, hourStart(H0 + 1) + 5 * MINUTE),
      ).toEqual([
        { at: hourStart(H0) + 50 * MINUTE, status: 'up', reason: 'ok', latencyMs: 80 },
        { at: hourStart(H0 + 1) + 5 * MINUTE, status: 'down', reason: 'timeout', latencyMs: null },
      ]);
    });
  });

  describe('prune', () => {
    const now = hourStart(H0) + 30 * MINUTE;
    const rawCutoff = now - RAW_RETENTION_MS;

    it('deletes raw checks and failure messages older than 48 hours and keeps newer ones', async () => {
      await append('a-http', rawCutoff - HOUR_MS, 'down', null);
      await append('a-http', rawCutoff - 1, 'down', null);
      await append('a-http', rawCutoff + 1, 'down', null);
      await append('a-http', now - MINUTE);
      await b.history.prune(now);

      const kept = (await b.history.rawChecks(ref('a-http'), 0, now)).map((c) => c.at);
      expect(kept).not.toContain(rawCutoff - HOUR_MS);
      expect(kept).toEqual(expect.arrayContaining([rawCutoff + 1, now - MINUTE]));
      expect(await b.rows('SELECT MIN(hour) AS h FROM check_chunks')).toEqual([{ h: hourOf(rawCutoff) }]);
      expect(await b.rows('SELECT at FROM check_failures ORDER BY at')).toEqual([{ at: rawCutoff + 1 }]);
    });

    it('deletes roll-ups older than 400 days and keeps newer ones', async () => {
      const cutoffDay = dayOf(now - ROLLUP_RETENTION_MS);
      for (const day of [cutoffDay - 30, cutoffDay - 1, cutoffDay, dayOf(now) - 1])
        await b.rows(
          'INSERT INTO check_rollups (monitor_ref, day, data) VALUES (?, ?, ?)',
          ref('a-http'),
          day,
          encodeDay([bucket(60)]),
        );
      await b.history.prune(now);

      expect(await b.rows('SELECT day FROM check_rollups ORDER BY day')).toEqual([
        { day: cutoffDay },
        { day: dayOf(now) - 1 },
      ]);
      expect(await b.history.dailySummaries(ref('a-http'), cutoffDay, dayOf(now))).toHaveLength(2);
      expect(cutoffDay).toBe(dayOf(now) - Math.round(ROLLUP_RETENTION_MS / DAY_MS));
    });
  });
});

describe('detection store writes', () => {
  let db: Db;
  let detection: SqliteDetectionStore;
  let history: SqliteHistoryStore;
  beforeEach(() => {
    db = openDatabase(tempPath());
    dbs.push(db);
    detection = new SqliteDetectionStore(db, catalog);
    history = new SqliteHistoryStore(db);
  });
  const detectionRef = (monitorId: string): number => detection.monitorRef(monitorId) ?? Number.NaN;
  /** Writes one check the way the engine does. */
  function commit(
    monitorId: string,
    at: number,
    status: ProbeOutcome['status'] = 'up',
    latencyMs: number | null = 100,
  ): void {
    detection.commit({
      result: { ...check(at, status, latencyMs), monitorId, message: status },
      monitor: { id: monitorId, record: initialMonitorRecord(at) },
      service: null,
      incident: null,
    });
  }

  it('keeps the latest check of each monitor, from its first check on, and every check in its chunk', () => {
    const last = (): unknown =>
      db
        .prepare(
          'SELECT last_status, last_reason, last_message, last_latency_ms, last_at FROM monitor_state WHERE monitor_ref = ?',
        )
        .get(detectionRef('a-http'));
    commit('a-http', hourStart(H0) + MINUTE, 'up', 80);
    expect(last()).toEqual({
      last_status: 'up',
      last_reason: 'ok',
      last_message: 'up',
      last_latency_ms: 80,
      last_at: hourStart(H0) + MINUTE,
    });
    commit('a-http', hourStart(H0) + 2 * MINUTE, 'down', null);
    commit('b-http', hourStart(H0) + 2 * MINUTE, 'up', 70);
    expect(last()).toEqual({
      last_status: 'down',
      last_reason: 'timeout',
      last_message: 'down',
      last_latency_ms: null,
      last_at: hourStart(H0) + 2 * MINUTE,
    });
    expect(history.rawChecks(detectionRef('a-http'), hourStart(H0), hourStart(H0 + 1))).toEqual([
      { at: hourStart(H0) + MINUTE, status: 'up', reason: 'ok', latencyMs: 80 },
      { at: hourStart(H0) + 2 * MINUTE, status: 'down', reason: 'timeout', latencyMs: null },
    ]);
    const chunk = db
      .prepare('SELECT typeof(data) AS t FROM check_chunks WHERE monitor_ref = ?')
      .get(detectionRef('a-http'));
    expect(chunk).toEqual({ t: 'blob' });
  });

  it('writes the chunks and failures the tests seed with appendCheck, byte for byte', async () => {
    const checks = [
      check(hourStart(H0) + MINUTE, 'up', 80),
      check(hourStart(H0) + 2 * MINUTE, 'down', null),
      check(hourStart(H0) + 3 * MINUTE, 'degraded', 1234),
      check(hourStart(H0 + 1) + 4 * MINUTE, 'up', 0),
    ];
    for (const c of checks) commit('a-http', c.at, c.status, c.latencyMs);
    const seeded = openDatabase(tempPath());
    dbs.push(seeded);
    for (const c of checks) await appendCheck({ sqlite: seeded }, detectionRef('a-http'), c);
    const tables = (d: Db): unknown[] => [
      d
        .prepare('SELECT monitor_ref, hour, hex(data) AS data FROM check_chunks ORDER BY monitor_ref, hour')
        .all(),
      d.prepare('SELECT monitor_ref, at, message FROM check_failures ORDER BY monitor_ref, at').all(),
    ];
    expect(tables(seeded)).toEqual(tables(db));
    expect(tables(db)[0]).toHaveLength(2);
  });
});

/** A deterministic pseudo-random sequence (mulberry32), the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('roll-ups on SQLite and PostgreSQL', () => {
  it('are byte for byte the same for the same raw checks, caught up in steps or rerun', async () => {
    const sqlite = sqliteBackend();
    const postgres = await postgresBackend();
    const next = random(17);
    // Three monitors over 30 hours across a midnight, checked every 1-6 minutes, some hours quiet.
    const start = hourOf(Date.UTC(2024, 0, 15, 5));
    const statuses: ProbeOutcome['status'][] = ['up', 'up', 'up', 'up', 'degraded', 'down', 'unknown'];
    const checks: [number, RawCheck][] = [];
    for (const monitorRef of [1, 2, 3])
      for (let at = hourStart(start) + Math.floor(next() * MINUTE); at < hourStart(start + 30);) {
        const status = statuses[Math.floor(next() * statuses.length)] ?? 'up';
        const latency = status === 'down' || next() < 0.05 ? null : Math.floor(next() * 3000);
        if (hourOf(at) % 7 !== monitorRef) checks.push([monitorRef, check(at, status, latency)]);
        at += MINUTE + Math.floor(next() * 5 * MINUTE);
      }
    for (const [monitorRef, c] of checks) {
      await appendCheck(sqlite.seed, monitorRef, c);
      await appendCheck(postgres.seed, monitorRef, c);
    }
    const rollups = 'SELECT monitor_ref, day, data FROM check_rollups ORDER BY monitor_ref, day';
    const cursor = "SELECT value FROM meta WHERE key = 'rollup_hour'";
    for (const backend of [sqlite, postgres]) {
      expect(await backend.history.rollUpCompleteHours(hourStart(start + 9) + MINUTE)).toBe(9);
      await backend.history.rollUpHour(start + 3);
      expect(await backend.history.rollUpCompleteHours(hourStart(start + 31))).toBe(22);
    }
    const [a, b] = [await sqlite.rows(rollups), await postgres.rows(rollups)];
    expect(a.length).toBeGreaterThan(3);
    expect(a.every((row) => Buffer.isBuffer(row['data']))).toBe(true);
    expect(b.every((row) => Buffer.isBuffer(row['data']))).toBe(true);
    expect(b).toEqual(a);
    expect(await postgres.rows(cursor)).toEqual(await sqlite.rows(cursor));
    for (const monitorRef of [1, 2, 3]) {
      const days = [dayOf(hourStart(start)), dayOf(hourStart(start + 30))] as const;
      expect(await postgres.history.dailySummaries(monitorRef, ...days)).toEqual(
        await sqlite.history.dailySummaries(monitorRef, ...days),
      );
    }
  });
});

describe('PostgresHistoryStore', () => {
  it('commits the pending check results before reading raw chunks', async () => {
    const url = await schemaDatabase();
    const pool = poolOn(url);
    const pending: RawCheck[] = [
      check(hourStart(H0) + MINUTE),
      check(hourStart(H0) + 2 * MINUTE, 'down', null),
    ];
    const history = new PostgresHistoryStore(pool, {
      pendingWrites: async () => {
        for (const c of pending.splice(0)) await appendCheck({ postgres: pool }, 1, c);
      },
    });
    expect(await history.rawChecks(1, hourStart(H0), hourStart(H0 + 1))).toHaveLength(2);
    pending.push(check(hourStart(H0) + 3 * MINUTE));
    expect(await history.rollUpCompleteHours(hourStart(H0 + 1))).toBe(1);
    expect(await history.dailySummaries(1, dayOf(hourStart(H0)), dayOf(hourStart(H0)))).toEqual([
      { day: dayOf(hourStart(H0)), count: 3, failures: 1, degraded: 0 },
    ]);
  });

  it('rolls each hour up once when two processes catch up together', async () => {
    const url = await schemaDatabase();
    const pool = poolOn(url);
    for (let h = 0; h < 6; h++)
      for (const monitorRef of [1, 2])
        await appendCheck({ postgres: pool }, monitorRef, check(hourStart(H0 + h) + h * MINUTE));
    const [one, two] = [new PostgresHistoryStore(poolOn(url)), new PostgresHistoryStore(poolOn(url))];
    const done = await Promise.all([
      one.rollUpCompleteHours(hourStart(H0 + 6)),
      two.rollUpCompleteHours(hourStart(H0 + 6)),
    ]);
    expect(done[0] + done[1]).toBe(6);
    for (const monitorRef of [1, 2])
      expect(await one.hourlyBuckets(monitorRef, hourStart(H0), hourStart(H0 + 6))).toEqual(
        Array.from({ length: 6 }, (_, h) => ({ hourStart: hourStart(H0 + h), bucket: bucket(1) })),
      );
    const { rows } = await pool.query("SELECT value FROM meta WHERE key = 'rollup_hour'");
    expect(rows).toEqual([{ value: String(H0 + 5) }]);
  });
});
