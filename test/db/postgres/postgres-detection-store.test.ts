import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DetectionEngine } from '../../../src/core/detection/engine.js';
import type { IncidentEvent } from '../../../src/core/events.js';
import type { ProbeOutcome } from '../../../src/core/model.js';
import { decodeChunk } from '../../../src/db/check-encoding.js';
import { openDatabase } from '../../../src/db/database.js';
import { SqliteDetectionStore } from '../../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../../src/db/sqlite-outbox-store.js';
import { IdReserve } from '../../../src/db/postgres/id-blocks.js';
import {
  PostgresDetectionStore,
  type PostgresDetectionStoreOptions,
} from '../../../src/db/postgres/postgres-detection-store.js';
import { FakeClock, buildCatalog } from '../../helpers/catalog.js';
import { type PostgresCluster, startPostgresCluster } from '../../helpers/postgres-cluster.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { PG_TYPES, schemaPool, seedChat } from './schema-db.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 50 };
const DOWN: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 60 };
const catalog = buildCatalog({ services: [{ id: 'github' }, { id: 'gitlab' }] });
/** Quick retries, so a test waits little once the database is back. */
const FAST: PostgresDetectionStoreOptions = { minRetryMs: 10, maxRetryMs: 100 };

const pools: pg.Pool[] = [];
const stores: PostgresDetectionStore[] = [];
const clusters: PostgresCluster[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) store.close();
  for (const pool of pools.splice(0)) await pool.end();
  for (const cluster of clusters.splice(0)) await cluster.stop();
});

async function freshPool(): Promise<pg.Pool> {
  const pool = await schemaPool();
  pools.push(pool);
  return pool;
}

async function openStore(
  pool: pg.Pool,
  options: PostgresDetectionStoreOptions = {},
): Promise<PostgresDetectionStore> {
  const store = await PostgresDetectionStore.open(pool, catalog, { ...FAST, ...options });
  stores.push(store);
  return store;
}

function engineOn(
  store: PostgresDetectionStore,
  clock: FakeClock,
): { engine: DetectionEngine; told: IncidentEvent[] } {
  const engine = new DetectionEngine(catalog, store, clock, { roundMs: MINUTE });
  const told: IncidentEvent[] = [];
  engine.onIncident((e) => told.push(e));
  return { engine, told };
}

function run(engine: DetectionEngine, clock: FakeClock, monitorId: string, outcomes: ProbeOutcome[]): void {
  for (const outcome of outcomes) {
    clock.advance(MINUTE);
    engine.handleResult(monitorId, outcome);
  }
}

async function storedChecks(pool: pg.Pool, monitorId: string): Promise<{ at: number; status: string }[]> {
  const { rows } = await pool.query<{ hour: number; data: Buffer }>(
    `SELECT c.hour, c.data FROM check_chunks c JOIN monitors m ON m.ref = c.monitor_ref
     WHERE m.id = $1 ORDER BY c.hour`,
    [monitorId],
  );
  return rows.flatMap((r) => decodeChunk(r.hour, r.data).map(({ at, status }) => ({ at, status })));
}

async function events(pool: pg.Pool): Promise<{ incident_id: number; kind: string }[]> {
  const { rows } = await pool.query<{ incident_id: number; kind: string }>(
    'SELECT incident_id, kind FROM incident_events ORDER BY id',
  );
  return rows;
}

/** Every insert into `table` fails while the switch is on (a database refusing writes). */
async function refuseInserts(
  pool: pg.Pool,
  table: 'check_chunks' | 'incident_events',
): Promise<() => Promise<void>> {
  await pool.query(`CREATE OR REPLACE FUNCTION refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
  await pool.query(`CREATE TRIGGER refuse BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse()`);
  return async () => {
    await pool.query(`DROP TRIGGER refuse ON ${table}`);
  };
}

describe('PostgresDetectionStore', () => {
  it('answers load() from memory as a fresh open reads it back, through opening, recovery and reopening', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const store = await openStore(pool);
    const { engine, told } = engineOn(store, clock);
    run(engine, clock, 'github-http', [UP, DOWN, DOWN]);
    run(engine, clock, 'gitlab-http', [UP]);
    expect(told.map((e) => e.kind)).toEqual(['opened']);
    await store.flush();
    expect((await openStore(pool)).load()).toEqual(store.load());
    expect(store.load().openIncidents.get('github')).toMatchObject({
      id: told[0]?.incidentId,
      resolvedAt: null,
    });

    run(engine, clock, 'github-http', [UP, UP]);
    run(engine, clock, 'github-http', [DOWN, DOWN]);
    expect(told.map((e) => e.kind)).toEqual(['opened', 'resolved', 'reopened']);
    expect(new Set(told.map((e) => e.incidentId)).size).toBe(1);
    await store.flush();
    const reread = (await openStore(pool)).load();
    expect(reread).toEqual(store.load());
    expect(reread.openIncidents.get('github')?.reopenedAt).toBe(told[2]?.at);

    run(engine, clock, 'github-http', [UP, UP]);
    await store.flush();
    expect((await openStore(pool)).load()).toEqual(store.load());
    expect(store.load().openIncidents.size).toBe(0);
    expect(store.load().lastResolved.get('github')).toMatchObject({ id: told[0]?.incidentId });

    expect(await storedChecks(pool, 'github-http')).toEqual(
      [UP, DOWN, DOWN, UP, UP, DOWN, DOWN, UP, UP].map((o, i) => ({
        at: T0 + (i < 3 ? i + 1 : i + 2) * MINUTE,
        status: o.status,
      })),
    );
    expect((await events(pool)).map((e) => e.kind)).toEqual(['opened', 'resolved', 'reopened', 'resolved']);
    const { rows } = await pool.query('SELECT service_id, severity, status, resolved_at FROM incidents');
    expect(rows).toEqual([
      { service_id: 'github', severity: 'major', status: 'up', resolved_at: told[3]?.at },
    ]);
    const state = await pool.query('SELECT service_id, status FROM service_state ORDER BY service_id');
    expect(state.rows).toEqual([
      { service_id: 'github', status: 'up' },
      { service_id: 'gitlab', status: 'up' },
    ]);
  });

  it('keeps an open incident across a restart: the same incident, not announced again', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const first = await openStore(pool);
    const before = engineOn(first, clock);
    run(before.engine, clock, 'github-http', [DOWN, DOWN]);
    const opened = before.told[0];
    expect(opened?.kind).toBe('opened');
    await first.flush();
    first.close();

    const second = await openStore(pool);
    expect(second.load().openIncidents.get('github')?.id).toBe(opened?.incidentId);
    const after = engineOn(second, clock);
    run(after.engine, clock, 'github-http', [DOWN, UP, UP]);
    expect(after.told.map((e) => [e.kind, e.incidentId])).toEqual([['resolved', opened?.incidentId]]);
    expect(after.told[0]?.durationMs).toBe((after.told[0]?.at ?? 0) - (opened?.startedAt ?? 0));
    await second.flush();
    expect(await events(pool)).toEqual([
      { incident_id: opened?.incidentId, kind: 'opened' },
      { incident_id: opened?.incidentId, kind: 'resolved' },
    ]);
  });

  it('hands out incident ids that never collide across two opens, refills included', async () => {
    const pool = await freshPool();
    const a = await IdReserve.open(pool, 'incidents', 'id', { reserve: 4 });
    const b = await IdReserve.open(pool, 'incidents', 'id', { reserve: 4 });
    const taken: number[] = [];
    for (let i = 0; i < 12; i++) {
      for (const reserve of [a, b]) {
        const id = reserve.take();
        expect(id.beyondSequence).toBe(false);
        taken.push(id.id);
        await reserve.settled();
      }
    }
    expect(new Set(taken).size).toBe(24);

    const clock = new FakeClock(T0);
    const one = await openStore(pool, { idReserve: 2 });
    const two = await openStore(pool, { idReserve: 2 });
    const first = engineOn(one, clock);
    const second = engineOn(two, clock);
    run(first.engine, clock, 'github-http', [DOWN, DOWN]);
    run(second.engine, clock, 'gitlab-http', [DOWN, DOWN]);
    await Promise.all([one.flush(), two.flush()]);
    const ids = [first.told[0]?.incidentId, second.told[0]?.incidentId];
    expect(ids[0]).not.toBe(ids[1]);
    expect(taken).not.toContain(ids[0]);
    expect(taken).not.toContain(ids[1]);
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM incidents ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([...ids].sort((x, y) => Number(x) - Number(y)));
  });

  it('writes many commits in few transactions', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const store = await openStore(pool, { maxBatch: 10 });
    const { engine } = engineOn(store, clock);
    let transactions = 0;
    pool.on('acquire', () => transactions++);
    for (let i = 0; i < 25; i++) run(engine, clock, i % 2 === 0 ? 'github-http' : 'gitlab-http', [UP]);
    await store.flush();
    expect(store.committedBatches()).toBe(3);
    expect(transactions).toBe(3);
    expect(
      (await storedChecks(pool, 'github-http')).length + (await storedChecks(pool, 'gitlab-http')).length,
    ).toBe(25);

    // Without a flush, the batch timer writes what waits.
    const roomy = await openStore(pool);
    const more = engineOn(roomy, clock);
    for (let i = 0; i < 40; i++) run(more.engine, clock, 'github-http', [UP]);
    await vi.waitFor(async () => expect(await storedChecks(pool, 'github-http')).toHaveLength(13 + 40), {
      timeout: 10_000,
    });
    expect(roomy.committedBatches()).toBe(1);
  });

  it('writes nothing after a failing batch until it commits, then everything in order', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const store = await openStore(pool, { maxBatch: 1 });
    const { engine, told } = engineOn(store, clock);
    run(engine, clock, 'github-http', [UP]);
    await store.flush();
    const allow = await refuseInserts(pool, 'incident_events');
    run(engine, clock, 'github-http', [DOWN, DOWN, DOWN, UP, UP]);
    expect(told.map((e) => e.kind)).toEqual(['opened', 'resolved']);
    await vi.waitFor(() => expect(store.writeHealth().ok).toBe(false), { timeout: 10_000 });
    // The check before the opening is written; the opening and all after it wait.
    expect(await storedChecks(pool, 'github-http')).toHaveLength(2);
    expect((await pool.query('SELECT id FROM incidents')).rows).toEqual([]);
    expect(store.writeHealth()).toMatchObject({
      ok: false,
      lastError: 'refused by the test',
      queuedChanges: 4,
    });

    await allow();
    await store.flush();
    expect(store.writeHealth()).toMatchObject({
      ok: true,
      queuedChanges: 0,
      queuedChecks: 0,
      droppedChecks: 0,
    });
    expect((await storedChecks(pool, 'github-http')).map((c) => c.status)).toEqual([
      'up',
      'down',
      'down',
      'down',
      'up',
      'up',
    ]);
    expect(await events(pool)).toEqual([
      { incident_id: told[0]?.incidentId, kind: 'opened' },
      { incident_id: told[0]?.incidentId, kind: 'resolved' },
    ]);
  });

  it('drops the oldest check results past the cap while writes fail, never an incident change', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const store = await openStore(pool, { maxBatch: 1, maxBacklogChecks: 2 });
    const { engine, told } = engineOn(store, clock);
    const allow = await refuseInserts(pool, 'check_chunks');
    // The first is being written (and failing); of the checks queued behind it, the oldest go.
    run(engine, clock, 'github-http', [UP, DOWN, DOWN, DOWN, DOWN, DOWN]);
    expect(told.map((e) => e.kind)).toEqual(['opened']);
    expect(store.writeHealth()).toMatchObject({ queuedChanges: 4, queuedChecks: 3, droppedChecks: 2 });
    expect(store.backlogFigures()).toEqual({
      checks: 3,
      incidents: 1,
      droppedChecks: 2,
      droppedIncidents: 0,
    });
    await vi.waitFor(() => expect(store.writeHealth().ok).toBe(false), { timeout: 10_000 });

    await allow();
    await store.flush();
    expect((await storedChecks(pool, 'github-http')).map((c) => c.at)).toEqual(
      [1, 3, 5, 6].map((m) => T0 + m * MINUTE),
    );
    expect((await events(pool)).map((e) => e.kind)).toEqual(['opened']);
  });

  it('writes a runtime service’s monitors ahead of their checks and answers its state from memory', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const store = await openStore(pool);
    const { engine, told } = engineOn(store, clock);
    const chat = buildCatalog({ services: [{ id: 'chat-1' }] });
    const [service] = chat.services;
    if (!service) throw new Error('no service');
    engine.addService(service, chat.monitors);
    run(engine, clock, 'chat-1-http', [DOWN, DOWN]);
    expect(told.map((e) => e.kind)).toEqual(['opened']);
    await store.flush();
    expect(await storedChecks(pool, 'chat-1-http')).toHaveLength(2);
    expect(store.monitorRef('chat-1-http')).toEqual(expect.any(Number));

    const again = await openStore(pool);
    const snapshot = again.loadService(service, chat.monitors);
    expect(snapshot).toEqual(store.loadService(service, chat.monitors));
    expect(snapshot.openIncidents.get('chat-1')?.id).toBe(told[0]?.incidentId);
    expect(snapshot.monitors.has('chat-1-http')).toBe(true);
  });

  it('closes an incident without an event to deliver and runs hooks once its batch commits', async () => {
    const pool = await freshPool();
    const clock = new FakeClock(T0);
    const store = await openStore(pool);
    const hooked: string[] = [];
    store.addIncidentHook((e) => hooked.push(`${e.kind}:${e.worstSeverity ?? '-'}`));
    const { engine, told } = engineOn(store, clock);
    run(engine, clock, 'github-http', [DOWN, DOWN]);
    expect(hooked).toEqual([]); // not durable yet
    await store.flush();
    expect(hooked).toEqual(['opened:-']);
    const id = told[0]?.incidentId ?? 0;
    store.closeIncident(id, clock.now());
    expect(store.load().openIncidents.size).toBe(0);
    await store.flush();
    expect(hooked).toEqual(['opened:-']);
    const { rows } = await pool.query('SELECT status, resolved_at FROM incidents WHERE id = $1', [id]);
    expect(rows).toEqual([{ status: 'unknown', resolved_at: clock.now() }]);
    expect((await openStore(pool)).load()).toEqual(store.load());
  });
});

describe('PostgresDetectionStore with its server stopped and started again', () => {
  it('keeps every change while the server is away, says so, then writes each once, in order, with its outbox rows', async () => {
    const cluster = await startPostgresCluster();
    clusters.push(cluster);
    const pool = new pg.Pool({ connectionString: cluster.url, types: PG_TYPES, max: 2 });
    pool.on('error', () => undefined); // idle connections end when the server stops
    pools.push(pool);
    await pool.query(
      readFileSync(new URL('../../../src/db/postgres/migrations/001_schema.sql', import.meta.url), 'utf8'),
    );
    // The boards the detection store marks when a service's state changes (`/board`).
    await pool.query(
      readFileSync(new URL('../../../src/db/postgres/migrations/007_boards.sql', import.meta.url), 'utf8'),
    );
    await seedChat(
      pool,
      { platform: 'telegram', chatId: '42' },
      { serviceId: 'github', minSeverity: 'minor' },
    );
    const clock = new FakeClock(T0);
    const store = await openStore(pool, { minRetryMs: 20, maxRetryMs: 200 });
    const { engine, told } = engineOn(store, clock);
    run(engine, clock, 'github-http', [UP]);
    await store.flush();

    await cluster.pause();
    run(engine, clock, 'github-http', [DOWN, DOWN, DOWN, UP, UP]);
    run(engine, clock, 'gitlab-http', [UP]);
    expect(told.map((e) => e.kind)).toEqual(['opened', 'resolved']);
    await vi.waitFor(() => expect(store.writeHealth().ok).toBe(false), { timeout: 20_000 });
    const away = store.writeHealth();
    expect(away.lastError).not.toBeNull();
    expect(away.queuedChanges).toBe(6);
    expect(away.droppedChecks).toBe(0);

    await cluster.start();
    await store.flush();
    expect(store.writeHealth()).toMatchObject({ ok: true, queuedChanges: 0 });
    expect((await storedChecks(pool, 'github-http')).map((c) => c.status)).toEqual([
      'up',
      'down',
      'down',
      'down',
      'up',
      'up',
    ]);
    expect(await storedChecks(pool, 'gitlab-http')).toHaveLength(1);
    const id = told[0]?.incidentId;
    expect(await events(pool)).toEqual([
      { incident_id: id, kind: 'opened' },
      { incident_id: id, kind: 'resolved' },
    ]);
    const outbox = await pool.query(
      `SELECT e.incident_id, e.kind, o.event_kind, o.status FROM outbox_events e
       LEFT JOIN outbox o ON o.event_id = e.id ORDER BY e.id, o.id`,
    );
    expect(outbox.rows).toEqual([
      { incident_id: id, kind: 'opened', event_kind: 'opened', status: 'pending' },
      { incident_id: id, kind: 'resolved', event_kind: 'resolved', status: 'pending' },
    ]);
    const resolved = await pool.query<{ payload_json: string }>(
      "SELECT payload_json FROM outbox_events WHERE kind = 'resolved'",
    );
    expect(JSON.parse(resolved.rows[0]?.payload_json ?? '{}')).toMatchObject({ worstSeverity: 'major' });
  });
});

describe('PostgresDetectionStore against SqliteDetectionStore', () => {
  it('stores the same rows as SQLite for the same checks: incidents, events, chunks, states, outbox events', async () => {
    const services = buildCatalog({
      services: [{ id: 'github', probes: ['github-http', 'github-api'] }, { id: 'gitlab' }, { id: 'slack' }],
      controls: ['control-a', 'control-b'],
    });
    const SLOW: ProbeOutcome = { status: 'degraded', reason: 'slow', message: 'slow', latencyMs: 4000 };
    // Minute by minute: github's api probe fails alone, then both, then recovers and fails again
    // within the reopen cooldown; gitlab goes slow; the rest stay up.
    const outcomeOf = (monitorId: string, minute: number): ProbeOutcome => {
      if (monitorId === 'github-api' && ((minute >= 3 && minute < 12) || (minute >= 15 && minute < 18)))
        return DOWN;
      if (monitorId === 'github-http' && minute >= 6 && minute < 10) return DOWN;
      if (monitorId === 'gitlab-http' && minute >= 8 && minute < 14) return SLOW;
      return { ...UP, latencyMs: 40 + ((minute * 7) % 13) };
    };
    const sqlite = openDatabase(join(tempDir('detection-parity-'), 'bot.sqlite'));
    const pool = await freshPool();
    try {
      sqlite
        .prepare(
          "INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ('telegram', '42', 'en', 'UTC', 0)",
        )
        .run();
      sqlite
        .prepare(
          "INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at) VALUES (1, '*', 'minor', 0)",
        )
        .run();
      await seedChat(pool, { platform: 'telegram', chatId: '42' }, { serviceId: '*', minSeverity: 'minor' });
      const sqliteStore = new SqliteDetectionStore(sqlite, services);
      const outbox = new SqliteOutboxStore(sqlite);
      sqliteStore.addIncidentHook((event) => outbox.enqueueIncidentEvent(event));
      const pgStore = await PostgresDetectionStore.open(pool, services, FAST);
      stores.push(pgStore);
      const told: IncidentEvent[][] = [];
      for (const store of [sqliteStore, pgStore]) {
        const clock = new FakeClock(T0);
        const engine = new DetectionEngine(services, store, clock, { roundMs: MINUTE });
        const events: IncidentEvent[] = [];
        engine.onIncident((e) => events.push(e));
        told.push(events);
        for (let minute = 1; minute <= 24; minute++) {
          clock.set(T0 + minute * MINUTE);
          for (const m of services.monitors) engine.handleResult(m.id, outcomeOf(m.id, minute));
        }
      }
      await pgStore.flush();
      expect(told[1]).toEqual(told[0]);
      expect(new Set(told[0]?.map((e) => e.kind))).toEqual(
        new Set(['opened', 'updated', 'resolved', 'reopened']),
      );

      /** Reads the same rows from both databases, expects them equal and gives PostgreSQL's. */
      const sameOnBoth = async (sql: string): Promise<unknown[]> => {
        const pgRows = (await pool.query(sql)).rows;
        expect(pgRows).toEqual(sqlite.prepare(sql).all());
        return pgRows;
      };
      await sameOnBoth(
        'SELECT id, service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json FROM incidents ORDER BY id',
      );
      await sameOnBoth('SELECT incident_id, kind, at, payload_json FROM incident_events ORDER BY id');
      const pgOutbox = await sameOnBoth(
        'SELECT incident_id, kind, payload_json, created_at FROM outbox_events ORDER BY id',
      );
      expect(pgOutbox.length).toBeGreaterThan(0);
      await sameOnBoth(
        'SELECT m.id, c.hour, c.data FROM check_chunks c JOIN monitors m ON m.ref = c.monitor_ref ORDER BY m.id, c.hour',
      );
      await sameOnBoth(
        'SELECT m.id, f.at, f.message FROM check_failures f JOIN monitors m ON m.ref = f.monitor_ref ORDER BY m.id, f.at',
      );
      await sameOnBoth(
        `SELECT m.id, s.record_json, s.last_status, s.last_reason, s.last_message, s.last_latency_ms, s.last_at
         FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref ORDER BY m.id`,
      );
      await sameOnBoth('SELECT * FROM service_state ORDER BY service_id');
      expect(pgStore.load()).toEqual(sqliteStore.load());
    } finally {
      sqlite.close();
    }
  });
});
