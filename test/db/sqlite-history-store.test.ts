import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialMonitorRecord } from '../../src/core/detection/monitor-state.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { DAY_MS, HOUR_MS, type HourBucket, dayOf, encodeDay, hourOf } from '../../src/db/check-encoding.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import {
  RAW_RETENTION_MS,
  ROLLUP_RETENTION_MS,
  SqliteHistoryStore,
} from '../../src/db/sqlite-history-store.js';
import { buildCatalog } from '../helpers/catalog.js';

const MINUTE = 60_000;
/** 10:00 UTC: a whole hour, far from a day boundary. */
const H0 = hourOf(Date.UTC(2024, 0, 15, 10));
const hourStart = (hour: number): number => hour * HOUR_MS;
const catalog = buildCatalog({ services: [{ id: 'a' }, { id: 'b' }] });

let dir: string;
let db: Db;
let detection: SqliteDetectionStore;
let history: SqliteHistoryStore;

const path = (): string => join(dir, 'bot.sqlite');
function reopen(): void {
  if (db?.open) db.close();
  db = openDatabase(path());
  detection = new SqliteDetectionStore(db, catalog);
  history = new SqliteHistoryStore(db);
}
const ref = (monitorId: string): number => detection.monitorRef(monitorId) ?? Number.NaN;

/** Writes one check the way the engine does. */
function append(
  monitorId: string,
  at: number,
  status: ProbeOutcome['status'] = 'up',
  latencyMs: number | null = 100,
): void {
  detection.commit({
    result: {
      monitorId,
      at,
      status,
      reason: status === 'down' ? 'timeout' : 'ok',
      message: status,
      latencyMs,
    },
    monitor: { id: monitorId, record: initialMonitorRecord(at) },
    service: null,
    incident: null,
  });
}
const buckets = (monitorId: string): { hourStart: number; bucket: HourBucket }[] =>
  history.hourlyBuckets(ref(monitorId), hourStart(H0 - 48), hourStart(H0 + 48));
const bucket = (count: number, extra: Partial<HourBucket> = {}): HourBucket => ({
  count,
  failures: 0,
  degraded: 0,
  p50: 100,
  p95: 100,
  ...extra,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'history-store-'));
  reopen();
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rollUpCompleteHours', () => {
  it('rolls up each complete hour once and leaves the current hour alone', () => {
    for (let i = 0; i < 4; i++) append('a-http', hourStart(H0) + i * MINUTE);
    append('a-http', hourStart(H0 + 1) + 5 * MINUTE);
    append('b-http', hourStart(H0 + 1) + 6 * MINUTE, 'down', null);
    append('a-http', hourStart(H0 + 2) + MINUTE);
    const now = hourStart(H0 + 2) + 30 * MINUTE;

    expect(history.rollUpCompleteHours(now)).toBe(2);
    expect(buckets('a-http')).toEqual([
      { hourStart: hourStart(H0), bucket: bucket(4) },
      { hourStart: hourStart(H0 + 1), bucket: bucket(1) },
    ]);
    expect(buckets('b-http')).toEqual([
      { hourStart: hourStart(H0 + 1), bucket: bucket(1, { failures: 1, p50: null, p95: null }) },
    ]);

    expect(history.rollUpCompleteHours(now)).toBe(0);
    expect(buckets('a-http')).toHaveLength(2);

    expect(history.rollUpCompleteHours(hourStart(H0 + 3))).toBe(1);
    expect(buckets('a-http')[2]).toEqual({ hourStart: hourStart(H0 + 2), bucket: bucket(1) });
  });

  it('does not count an hour twice when it is rolled up again', () => {
    for (let i = 0; i < 3; i++) append('a-http', hourStart(H0) + i * MINUTE);
    history.rollUpCompleteHours(hourStart(H0 + 1));
    history.rollUpHour(H0);
    history.rollUpHour(H0);
    expect(buckets('a-http')).toEqual([{ hourStart: hourStart(H0), bucket: bucket(3) }]);
  });

  it('does nothing while there is no complete hour of data', () => {
    append('a-http', hourStart(H0) + MINUTE);
    expect(history.rollUpCompleteHours(hourStart(H0) + 59 * MINUTE)).toBe(0);
    expect(history.rollUpCompleteHours(hourStart(H0 + 1))).toBe(1);
  });

  it('resumes after a restart from the cursor it stored', () => {
    append('a-http', hourStart(H0) + MINUTE);
    append('a-http', hourStart(H0 + 1) + MINUTE);
    expect(history.rollUpCompleteHours(hourStart(H0 + 1) + MINUTE)).toBe(1);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'rollup_hour'").get()).toEqual({
      value: String(H0),
    });

    reopen();
    expect(history.rollUpCompleteHours(hourStart(H0 + 1) + MINUTE)).toBe(0);
    expect(history.rollUpCompleteHours(hourStart(H0 + 2))).toBe(1);
    expect(buckets('a-http').map((b) => b.hourStart)).toEqual([hourStart(H0), hourStart(H0 + 1)]);
  });

  it('catches up every hour missed since the last roll-up, gaps included', () => {
    append('a-http', hourStart(H0) + MINUTE);
    history.rollUpCompleteHours(hourStart(H0 + 1));
    for (const h of [1, 2, 4, 5]) append('a-http', hourStart(H0 + h) + MINUTE);

    expect(history.rollUpCompleteHours(hourStart(H0 + 6) + MINUTE)).toBe(5);
    expect(buckets('a-http').map((b) => b.hourStart)).toEqual([0, 1, 2, 4, 5].map((h) => hourStart(H0 + h)));
  });

  it('puts hours either side of midnight into their own days', () => {
    const midnight = hourOf(Date.UTC(2024, 0, 16));
    append('a-http', hourStart(midnight - 2) + MINUTE);
    append('a-http', hourStart(midnight - 1) + MINUTE, 'down', null);
    append('a-http', hourStart(midnight) + MINUTE, 'degraded', 900);
    history.rollUpCompleteHours(hourStart(midnight + 1));

    const day = dayOf(hourStart(midnight));
    expect(history.dailySummaries(ref('a-http'), day - 1, day)).toEqual([
      { day: day - 1, count: 2, failures: 1, degraded: 0 },
      { day, count: 1, failures: 0, degraded: 1 },
    ]);
    expect(buckets('a-http').map((b) => b.hourStart)).toEqual(
      [midnight - 2, midnight - 1, midnight].map(hourStart),
    );
  });

  it('computes p50 and p95 of an hour from its raw checks', () => {
    const latencies = [
      130, 20, 200, 60, 110, 10, 170, 90, 40, 150, 190, 30, 80, 120, 50, 180, 160, 70, 140, 100,
    ];
    latencies.forEach((ms, i) => append('a-http', hourStart(H0) + i * MINUTE, 'up', ms));
    append('a-http', hourStart(H0) + 40 * MINUTE, 'down', null);
    append('a-http', hourStart(H0) + 41 * MINUTE, 'down', null);
    history.rollUpCompleteHours(hourStart(H0 + 1));
    expect(buckets('a-http')).toEqual([
      { hourStart: hourStart(H0), bucket: { count: 22, failures: 2, degraded: 0, p50: 100, p95: 190 } },
    ]);
  });
});

describe('rawChecks', () => {
  it('returns the checks of one monitor within the range, oldest first, across hours', () => {
    append('a-http', hourStart(H0) + 50 * MINUTE, 'up', 80);
    append('b-http', hourStart(H0) + 55 * MINUTE);
    append('a-http', hourStart(H0 + 1) + 5 * MINUTE, 'down', null);
    append('a-http', hourStart(H0 + 1) + 10 * MINUTE, 'up', 90);
    expect(
      history.rawChecks(ref('a-http'), hourStart(H0) + 50 * MINUTE, hourStart(H0 + 1) + 5 * MINUTE),
    ).toEqual([
      { at: hourStart(H0) + 50 * MINUTE, status: 'up', reason: 'ok', latencyMs: 80 },
      { at: hourStart(H0 + 1) + 5 * MINUTE, status: 'down', reason: 'timeout', latencyMs: null },
    ]);
  });
});

describe('detection store writes', () => {
  it('keeps the latest check of each monitor, from its first check on, and every check in its chunk', () => {
    const last = (): unknown =>
      db
        .prepare(
          'SELECT last_status, last_reason, last_message, last_latency_ms, last_at FROM monitor_state WHERE monitor_ref = ?',
        )
        .get(ref('a-http'));
    append('a-http', hourStart(H0) + MINUTE, 'up', 80);
    expect(last()).toEqual({
      last_status: 'up',
      last_reason: 'ok',
      last_message: 'up',
      last_latency_ms: 80,
      last_at: hourStart(H0) + MINUTE,
    });
    append('a-http', hourStart(H0) + 2 * MINUTE, 'down', null);
    append('b-http', hourStart(H0) + 2 * MINUTE, 'up', 70);
    expect(last()).toEqual({
      last_status: 'down',
      last_reason: 'timeout',
      last_message: 'down',
      last_latency_ms: null,
      last_at: hourStart(H0) + 2 * MINUTE,
    });
    expect(history.rawChecks(ref('a-http'), hourStart(H0), hourStart(H0 + 1))).toEqual([
      { at: hourStart(H0) + MINUTE, status: 'up', reason: 'ok', latencyMs: 80 },
      { at: hourStart(H0) + 2 * MINUTE, status: 'down', reason: 'timeout', latencyMs: null },
    ]);
    const chunk = db
      .prepare('SELECT typeof(data) AS t FROM check_chunks WHERE monitor_ref = ?')
      .get(ref('a-http'));
    expect(chunk).toEqual({ t: 'blob' });
  });
});

describe('prune', () => {
  const now = hourStart(H0) + 30 * MINUTE;
  const rawCutoff = now - RAW_RETENTION_MS;

  it('deletes raw checks and failure messages older than 48 hours and keeps newer ones', () => {
    append('a-http', rawCutoff - HOUR_MS, 'down', null);
    append('a-http', rawCutoff - 1, 'down', null);
    append('a-http', rawCutoff + 1, 'down', null);
    append('a-http', now - MINUTE);
    history.prune(now);

    const kept = history.rawChecks(ref('a-http'), 0, now).map((c) => c.at);
    expect(kept).not.toContain(rawCutoff - HOUR_MS);
    expect(kept).toEqual(expect.arrayContaining([rawCutoff + 1, now - MINUTE]));
    expect(db.prepare('SELECT MIN(hour) AS h FROM check_chunks').get()).toEqual({ h: hourOf(rawCutoff) });
    expect(db.prepare('SELECT at FROM check_failures ORDER BY at').all()).toEqual([{ at: rawCutoff + 1 }]);
  });

  it('deletes roll-ups older than 400 days and keeps newer ones', () => {
    const cutoffDay = dayOf(now - ROLLUP_RETENTION_MS);
    const put = db.prepare('INSERT INTO check_rollups (monitor_ref, day, data) VALUES (?, ?, ?)');
    for (const day of [cutoffDay - 30, cutoffDay - 1, cutoffDay, dayOf(now) - 1])
      put.run(ref('a-http'), day, encodeDay([bucket(60)]));
    history.prune(now);

    expect(db.prepare('SELECT day FROM check_rollups ORDER BY day').all()).toEqual([
      { day: cutoffDay },
      { day: dayOf(now) - 1 },
    ]);
    expect(history.dailySummaries(ref('a-http'), cutoffDay, dayOf(now))).toHaveLength(2);
    expect(cutoffDay).toBe(dayOf(now) - Math.round(ROLLUP_RETENTION_MS / DAY_MS));
  });
});
