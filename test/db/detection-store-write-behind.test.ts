import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncidentEvent } from '../../src/core/events.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { decodeChunk } from '../../src/db/check-encoding.js';
import { type Db, flushPendingWrites, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const HELD_MS = 200;
const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 50 };
const DOWN: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 60 };
const catalog = buildCatalog({ services: [{ id: 'github' }, { id: 'gitlab' }] });

let dir: string;
let dbs: Db[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'write-behind-'));
  dbs = [];
});
afterEach(() => {
  vi.useRealTimers();
  for (const db of dbs) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An engine on a write-behind store over the same file each time (a restart reopens it). */
function open(clock: FakeClock): {
  db: Db;
  store: SqliteDetectionStore;
  engine: DetectionEngine;
  incidents: IncidentEvent[];
} {
  const db = openDatabase(join(dir, 'bot.sqlite'));
  dbs.push(db);
  const store = new SqliteDetectionStore(db, catalog, { writeBehindMs: HELD_MS });
  const engine = new DetectionEngine(catalog, store, clock, { roundMs: MINUTE });
  const incidents: IncidentEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  return { db, store, engine, incidents };
}

/** Every check stored for a monitor, decoded from its hourly chunks, read straight from the file. */
function storedChecks(
  db: Db,
  store: SqliteDetectionStore,
  monitorId: string,
): { at: number; status: string }[] {
  const rows = db
    .prepare('SELECT hour, data FROM check_chunks WHERE monitor_ref = ? ORDER BY hour')
    .all(store.monitorRef(monitorId)) as { hour: number; data: Buffer }[];
  return rows.flatMap((r) => decodeChunk(r.hour, r.data).map(({ at, status }) => ({ at, status })));
}

describe('SqliteDetectionStore write-behind', () => {
  it('holds plain check results and writes them together when the time is up', () => {
    vi.useFakeTimers();
    const clock = new FakeClock(T0);
    const { db, store, engine } = open(clock);
    clock.advance(MINUTE);
    engine.handleResult('github-http', UP);
    clock.advance(MINUTE);
    engine.handleResult('gitlab-http', UP);
    expect(db.prepare('SELECT COUNT(*) AS n FROM check_chunks').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM monitor_state').get()).toEqual({ n: 0 });

    vi.advanceTimersByTime(HELD_MS);
    expect(storedChecks(db, store, 'github-http')).toEqual([{ at: T0 + MINUTE, status: 'up' }]);
    expect(storedChecks(db, store, 'gitlab-http')).toEqual([{ at: T0 + 2 * MINUTE, status: 'up' }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM monitor_state').get()).toEqual({ n: 2 });
  });

  it('lets readers of the same database see held results at once', () => {
    const clock = new FakeClock(T0);
    const { db, engine } = open(clock);
    const queries = new SqliteQueryStore(db);
    const history = new SqliteHistoryStore(db);
    clock.advance(MINUTE);
    engine.handleResult('github-http', UP);
    expect(queries.lastChecks().get('github-http')).toMatchObject({ status: 'up', at: T0 + MINUTE });

    clock.advance(MINUTE);
    engine.handleResult('github-http', DOWN);
    const ref = db.prepare("SELECT ref FROM monitors WHERE id = 'github-http'").get() as { ref: number };
    expect(history.rawChecks(ref.ref, T0, clock.now()).map((c) => c.status)).toEqual(['up', 'down']);
    expect(db.prepare('SELECT message FROM check_failures').all()).toEqual([{ message: 'HTTP 503' }]);
  });

  it('writes an incident change at once, after the results held before it, in order', () => {
    vi.useFakeTimers();
    const clock = new FakeClock(T0);
    const { db, store, engine, incidents } = open(clock);
    for (const outcome of [UP, DOWN, DOWN]) {
      clock.advance(MINUTE);
      engine.handleResult('github-http', outcome);
    }
    expect(incidents.map((e) => e.kind)).toEqual(['opened']);
    // No timer has fired: the opening commit carried the held checks with it.
    expect(storedChecks(db, store, 'github-http')).toEqual([
      { at: T0 + MINUTE, status: 'up' },
      { at: T0 + 2 * MINUTE, status: 'down' },
      { at: T0 + 3 * MINUTE, status: 'down' },
    ]);
    expect(db.prepare('SELECT service_id, resolved_at FROM incidents').all()).toEqual([
      { service_id: 'github', resolved_at: null },
    ]);
    expect(db.prepare('SELECT status FROM service_state').all()).toEqual([{ status: 'down' }]);
  });

  it('loses at most the held checks in a crash, never the incident: a restart does not re-announce it', () => {
    vi.useFakeTimers();
    const clock = new FakeClock(T0);
    const first = open(clock);
    for (const outcome of [DOWN, DOWN, DOWN]) {
      clock.advance(MINUTE);
      first.engine.handleResult('github-http', outcome);
    }
    first.db.close(); // a crash: the third check was still held

    const second = open(clock);
    expect(storedChecks(second.db, second.store, 'github-http')).toHaveLength(2);
    clock.advance(MINUTE);
    second.engine.handleResult('github-http', DOWN);
    clock.advance(MINUTE);
    second.engine.handleResult('github-http', UP);
    clock.advance(MINUTE);
    second.engine.handleResult('github-http', UP);
    expect(second.incidents.map((e) => e.kind)).toEqual(['resolved']);
    expect(second.incidents[0]?.durationMs).toBe(6 * MINUTE - 2 * MINUTE);
  });

  it('keeps held results when their transaction fails, and writes them on the next try', () => {
    vi.useFakeTimers();
    const clock = new FakeClock(T0);
    const { db, store, engine } = open(clock);
    clock.advance(MINUTE);
    engine.handleResult('github-http', UP);
    db.exec(`CREATE TRIGGER full BEFORE INSERT ON incidents BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    clock.advance(MINUTE);
    engine.handleResult('github-http', DOWN);
    clock.advance(MINUTE);
    expect(() => engine.handleResult('github-http', DOWN)).toThrow(/disk full/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM check_chunks').get()).toEqual({ n: 0 });

    db.exec('DROP TRIGGER full');
    flushPendingWrites(db);
    expect(storedChecks(db, store, 'github-http')).toEqual([
      { at: T0 + MINUTE, status: 'up' },
      { at: T0 + 2 * MINUTE, status: 'down' },
    ]);
  });

  it('writes at once when a thousand results are held, whatever the time', () => {
    vi.useFakeTimers();
    const clock = new FakeClock(T0);
    const { db, store, engine } = open(clock);
    for (let i = 0; i < 999; i++) {
      clock.advance(1000);
      engine.handleResult(i % 2 === 0 ? 'github-http' : 'gitlab-http', UP);
    }
    expect(db.prepare('SELECT COUNT(*) AS n FROM check_chunks').get()).toEqual({ n: 0 });
    clock.advance(1000);
    engine.handleResult('gitlab-http', UP);
    const stored =
      storedChecks(db, store, 'github-http').length + storedChecks(db, store, 'gitlab-http').length;
    expect(stored).toBe(1000);
  });

  it('writes each commit at once without write-behind', () => {
    const clock = new FakeClock(T0);
    const db = openDatabase(join(dir, 'plain.sqlite'));
    dbs.push(db);
    const store = new SqliteDetectionStore(db, catalog);
    const engine = new DetectionEngine(catalog, store, clock, { roundMs: MINUTE });
    clock.advance(MINUTE);
    engine.handleResult('github-http', UP);
    expect(storedChecks(db, store, 'github-http')).toEqual([{ at: T0 + MINUTE, status: 'up' }]);
  });
});
