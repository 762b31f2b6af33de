import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncidentEvent } from '../../src/core/events.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { decodeChunk } from '../../src/db/check-encoding.js';
import { type Db, flushPendingWrites, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { PostgresDetectionStore } from '../../src/db/postgres/postgres-detection-store.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { tempDir } from '../helpers/temp-dir.js';
import { schemaPool } from './postgres/schema-db.js';

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

/** One backend's detection store under an engine, with what the shared cases read of it. */
interface Opened {
  readonly engine: DetectionEngine;
  readonly incidents: IncidentEvent[];
  /** Every check stored for a monitor, decoded from its hourly chunks. */
  checks(monitorId: string): Promise<{ at: number; status: string }[]>;
  count(table: 'check_chunks' | 'monitor_state' | 'incidents'): Promise<number>;
  incidentRows(): Promise<unknown[]>;
  serviceStatuses(): Promise<unknown[]>;
  /** Waits until what was committed is in the database (PostgreSQL writes it behind). */
  written(): Promise<void>;
  /** Ends the process's hold on the database without writing what is held (a crash). */
  crash(): Promise<void>;
}

interface Backend {
  /** An engine over the backend's store on the same database each time in a test (a restart reopens it). */
  open(clock: FakeClock): Promise<Opened>;
  /** Fakes the timers the write-behind runs on (only them: PostgreSQL's I/O keeps running). */
  fakeTimers(): void;
  close(): Promise<void>;
}

/** Lets real I/O run until `done` holds (the batch timers are fake; only a write can make it true). */
async function until(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('not written');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function sqliteBackend(): Backend {
  const file = join(tempDir('write-behind-both-'), 'bot.sqlite');
  const opened: Db[] = [];
  return {
    fakeTimers: () => vi.useFakeTimers(),
    open: async (clock) => {
      const db = openDatabase(file);
      opened.push(db);
      const store = new SqliteDetectionStore(db, catalog, { writeBehindMs: HELD_MS });
      const engine = new DetectionEngine(catalog, store, clock, { roundMs: MINUTE });
      const incidents: IncidentEvent[] = [];
      engine.onIncident((e) => incidents.push(e));
      const count = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        engine,
        incidents,
        checks: async (monitorId) => storedChecks(db, store, monitorId),
        count: async (table) => count(table),
        incidentRows: async () => db.prepare('SELECT service_id, resolved_at FROM incidents').all(),
        serviceStatuses: async () => db.prepare('SELECT status FROM service_state').all(),
        written: async () => undefined,
        crash: async () => {
          db.close();
        },
      };
    },
    close: async () => {
      for (const db of opened) if (db.open) db.close();
    },
  };
}

function postgresBackend(): Backend {
  let pool: pg.Pool | null = null;
  const stores: PostgresDetectionStore[] = [];
  return {
    fakeTimers: () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }),
    open: async (clock) => {
      pool ??= await schemaPool();
      const db = pool;
      const store = await PostgresDetectionStore.open(db, catalog, { batchMs: HELD_MS, outbox: false });
      stores.push(store);
      const engine = new DetectionEngine(catalog, store, clock, { roundMs: MINUTE });
      const incidents: IncidentEvent[] = [];
      engine.onIncident((e) => incidents.push(e));
      return {
        engine,
        incidents,
        checks: async (monitorId) => {
          const { rows } = await db.query<{ hour: number; data: Buffer }>(
            `SELECT c.hour, c.data FROM check_chunks c JOIN monitors m ON m.ref = c.monitor_ref
             WHERE m.id = $1 ORDER BY c.hour`,
            [monitorId],
          );
          return rows.flatMap((r) => decodeChunk(r.hour, r.data).map(({ at, status }) => ({ at, status })));
        },
        count: async (table) => {
          const { rows } = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`);
          return rows[0]?.n ?? 0;
        },
        incidentRows: async () => (await db.query('SELECT service_id, resolved_at FROM incidents')).rows,
        serviceStatuses: async () => (await db.query('SELECT status FROM service_state')).rows,
        written: () => store.flush(),
        crash: async () => {
          store.close();
        },
      };
    },
    close: async () => {
      for (const store of stores.splice(0)) store.close();
      await pool?.end();
      pool = null;
    },
  };
}

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
])('detection store write-behind on %s', (_name, makeBackend) => {
  let backend: Backend;
  beforeEach(() => {
    backend = makeBackend();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await backend.close();
  });

  it('holds plain check results and writes them together when the time is up', async () => {
    backend.fakeTimers();
    const clock = new FakeClock(T0);
    const { engine, checks, count } = await backend.open(clock);
    clock.advance(MINUTE);
    engine.handleResult('github-http', UP);
    clock.advance(MINUTE);
    engine.handleResult('gitlab-http', UP);
    expect(await count('check_chunks')).toBe(0);
    expect(await count('monitor_state')).toBe(0);

    vi.advanceTimersByTime(HELD_MS);
    await until(async () => (await count('monitor_state')) === 2);
    expect(await checks('github-http')).toEqual([{ at: T0 + MINUTE, status: 'up' }]);
    expect(await checks('gitlab-http')).toEqual([{ at: T0 + 2 * MINUTE, status: 'up' }]);
  });

  it('writes an incident change after the results held before it, in order', async () => {
    const clock = new FakeClock(T0);
    const { engine, incidents, checks, incidentRows, serviceStatuses, written } = await backend.open(clock);
    for (const outcome of [UP, DOWN, DOWN]) {
      clock.advance(MINUTE);
      engine.handleResult('github-http', outcome);
    }
    expect(incidents.map((e) => e.kind)).toEqual(['opened']);
    await written();
    expect(await checks('github-http')).toEqual([
      { at: T0 + MINUTE, status: 'up' },
      { at: T0 + 2 * MINUTE, status: 'down' },
      { at: T0 + 3 * MINUTE, status: 'down' },
    ]);
    expect(await incidentRows()).toEqual([{ service_id: 'github', resolved_at: null }]);
    expect(await serviceStatuses()).toEqual([{ status: 'down' }]);
  });

  it('loses at most the unwritten checks in a crash, never a written incident: a restart does not re-announce it', async () => {
    backend.fakeTimers();
    const clock = new FakeClock(T0);
    const first = await backend.open(clock);
    for (const outcome of [DOWN, DOWN]) {
      clock.advance(MINUTE);
      first.engine.handleResult('github-http', outcome);
    }
    await first.written();
    clock.advance(MINUTE);
    first.engine.handleResult('github-http', DOWN);
    await first.crash(); // the third check was still held

    const second = await backend.open(clock);
    expect(await second.checks('github-http')).toHaveLength(2);
    for (const outcome of [DOWN, UP, UP]) {
      clock.advance(MINUTE);
      second.engine.handleResult('github-http', outcome);
    }
    expect(second.incidents.map((e) => e.kind)).toEqual(['resolved']);
    expect(second.incidents[0]?.incidentId).toBe(first.incidents[0]?.incidentId);
    expect(second.incidents[0]?.durationMs).toBe(6 * MINUTE - 2 * MINUTE);
  });

  it('writes at once when a thousand results are held, whatever the time', async () => {
    backend.fakeTimers();
    const clock = new FakeClock(T0);
    const { engine, checks, count } = await backend.open(clock);
    for (let i = 0; i < 999; i++) {
      clock.advance(1000);
      engine.handleResult(i % 2 === 0 ? 'github-http' : 'gitlab-http', UP);
    }
    expect(await count('check_chunks')).toBe(0);
    clock.advance(1000);
    engine.handleResult('gitlab-http', UP);
    const stored = async () => (await checks('github-http')).length + (await checks('gitlab-http')).length;
    await until(async () => (await stored()) === 1000);
    expect(await stored()).toBe(1000);
  });
});
