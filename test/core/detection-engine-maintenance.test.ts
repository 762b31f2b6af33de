/**
 * Planned maintenance windows of the services file in the engine: no incident event for a service
 * while its window lasts, what still fails at its end alerted then, what recovered within it
 * never. The real engine and SQLite store, an injected clock.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/core/catalog.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { MaintenanceWindow } from '../../src/core/detection/maintenance.js';
import type { IncidentEvent, OperatorEvent } from '../../src/core/events.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { PostgresDetectionStore } from '../../src/db/postgres/postgres-detection-store.js';
import { schemaPool } from '../db/postgres/schema-db.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { tempDbPath } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const MINUTE = 60_000;
const WINDOW_START = T0 + 10 * MINUTE;
const WINDOW_END = T0 + 40 * MINUTE;

const up: ProbeOutcome = { status: 'up', reason: 'ok', message: '200 in 12 ms', latencyMs: 12 };
const down: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 30 };

const once = (serviceIds: string[], reason: string | null = 'Datacentre move'): MaintenanceWindow => ({
  serviceIds,
  schedule: { kind: 'once', startMs: WINDOW_START, endMs: WINDOW_END },
  reason,
});

interface World {
  readonly engine: DetectionEngine;
  readonly clock: FakeClock;
  readonly incidents: IncidentEvent[];
  readonly operator: OperatorEvent[];
  /** Advances the clock to `at`, applying the windows every second on the way as the app's tick does. */
  readonly until: (at: number) => void;
  /** Advances to `at` (ticking), then applies the outcome of the monitor. */
  readonly check: (monitorId: string, outcome: ProbeOutcome, at: number) => void;
}

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
});

function world(catalog: Catalog, path = tempDbPath('maintenance-engine-'), clock = new FakeClock(T0)): World {
  const db = openDatabase(path);
  dbs.push(db);
  const engine = new DetectionEngine(catalog, new SqliteDetectionStore(db, catalog), clock, {
    roundMs: MINUTE,
  });
  const incidents: IncidentEvent[] = [];
  const operator: OperatorEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  engine.onOperator((e) => operator.push(e));
  const until = (at: number): void => {
    while (clock.now() + 1000 <= at) {
      clock.advance(1000);
      engine.checkMaintenance();
    }
    clock.set(at);
    engine.checkMaintenance();
  };
  const check = (monitorId: string, outcome: ProbeOutcome, at: number): void => {
    until(at);
    engine.handleResult(monitorId, outcome);
  };
  return { engine, clock, incidents, operator, until, check };
}

/** One check a minute of `github-http` from `from` to `to` (exclusive), all with `outcome`. */
function checks(w: World, outcome: ProbeOutcome, from: number, to: number): void {
  for (let at = from; at < to; at += MINUTE) w.check('github-http', outcome, at);
}

describe('DetectionEngine with a maintenance window', () => {
  it('an outage inside the window: no event in it, one alert at its end, then the recovery', () => {
    const w = world({ ...buildCatalog({ services: [{ id: 'github' }] }), maintenance: [once(['github'])] });
    checks(w, up, T0, WINDOW_START);
    expect(w.engine.serviceState('github')?.status).toBe('up');

    w.until(WINDOW_START);
    expect(w.engine.serviceState('github')).toMatchObject({ status: 'maintenance', since: WINDOW_START });
    expect(w.engine.maintenance('github')).toEqual({
      since: WINDOW_START,
      until: WINDOW_END,
      reason: 'Datacentre move',
    });

    // Down from 10:15 to past the window's end: the monitor confirms, the service stays in maintenance.
    checks(w, down, T0 + 15 * MINUTE, WINDOW_END);
    expect(w.incidents).toEqual([]);
    expect(w.engine.monitorRecord('github-http')?.state).toBe('down');
    expect(w.engine.serviceState('github')?.status).toBe('maintenance');

    // The window ends: fused again at once, before the next check.
    w.until(WINDOW_END);
    expect(w.engine.maintenance('github')).toBeUndefined();
    expect(w.incidents.map((e) => [e.kind, e.status, e.at])).toEqual([['opened', 'down', WINDOW_END]]);
    checks(w, down, WINDOW_END + 30_000, WINDOW_END + 5 * MINUTE);
    expect(w.incidents).toHaveLength(1);

    checks(w, up, WINDOW_END + 5 * MINUTE, WINDOW_END + 7 * MINUTE);
    expect(w.incidents.map((e) => e.kind)).toEqual(['opened', 'resolved']);
  });

  it('an outage that recovered inside the window is never alerted', () => {
    const w = world({ ...buildCatalog({ services: [{ id: 'github' }] }), maintenance: [once(['github'])] });
    checks(w, up, T0, WINDOW_START);
    checks(w, down, T0 + 12 * MINUTE, T0 + 20 * MINUTE);
    checks(w, up, T0 + 20 * MINUTE, T0 + 30 * MINUTE);
    w.until(WINDOW_END);
    expect(w.engine.serviceState('github')).toMatchObject({ status: 'up', since: WINDOW_END });
    checks(w, up, WINDOW_END + 30_000, WINDOW_END + 10 * MINUTE);
    expect(w.incidents).toEqual([]);
  });

  it('an incident open before the window gets no update or recovery in it; its recovery comes at the end', () => {
    const w = world({ ...buildCatalog({ services: [{ id: 'github' }] }), maintenance: [once(['github'])] });
    checks(w, down, T0, T0 + 3 * MINUTE);
    expect(w.incidents.map((e) => e.kind)).toEqual(['opened']);
    w.check('github-http', { ...down, reason: 'timeout', message: 'no answer' }, WINDOW_START + MINUTE);
    checks(w, up, WINDOW_START + 2 * MINUTE, WINDOW_START + 10 * MINUTE);
    expect(w.incidents.map((e) => e.kind)).toEqual(['opened']);
    expect(w.engine.openIncident('github')).toBeDefined();
    w.until(WINDOW_END);
    expect(w.incidents.map((e) => [e.kind, e.at])).toEqual([
      ['opened', T0 + MINUTE],
      ['resolved', WINDOW_END],
    ]);
  });

  it('restarted after the window ended while it was stopped: fused again at the first tick, the outage alerted', () => {
    const catalog = { ...buildCatalog({ services: [{ id: 'github' }] }), maintenance: [once(['github'])] };
    const path = tempDbPath('maintenance-restart-');
    const w = world(catalog, path);
    checks(w, down, WINDOW_START + MINUTE, WINDOW_START + 5 * MINUTE);
    expect(w.engine.serviceState('github')?.status).toBe('maintenance');
    dbs.splice(0).forEach((db) => db.close());

    const clock = new FakeClock(WINDOW_END + 10 * MINUTE);
    const again = world(catalog, path, clock);
    expect(again.engine.serviceState('github')?.status).toBe('maintenance'); // as stored
    again.engine.checkMaintenance();
    expect(again.engine.serviceState('github')?.status).toBe('down');
    expect(again.incidents.map((e) => [e.kind, e.at])).toEqual([['opened', WINDOW_END + 10 * MINUTE]]);
  });

  it('covers only its services; the others alert as always', () => {
    const catalog = buildCatalog({ services: [{ id: 'github' }, { id: 'gitlab' }] });
    const w = world({ ...catalog, maintenance: [once(['gitlab'])] });
    for (let at = WINDOW_START + MINUTE; at < WINDOW_START + 4 * MINUTE; at += MINUTE) {
      w.check('github-http', down, at);
      w.check('gitlab-http', down, at + 1000);
    }
    expect(w.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'github']]);
    expect(w.engine.serviceState('gitlab')?.status).toBe('maintenance');
  });

  it('services failing in their window do not make our own network look broken', () => {
    const six = ['site', 'shop', 'blog', 'wiki', 'mail', 'chat'];
    const catalog = buildCatalog({ services: [...six, 'api'].map((id) => ({ id })) });
    const w = world({ ...catalog, maintenance: [once(six, null)] });
    for (let at = WINDOW_START + MINUTE; at < WINDOW_START + 4 * MINUTE; at += MINUTE) {
      six.forEach((id, i) => w.check(`${id}-http`, down, at + i * 1000));
      w.check('api-http', down, at + 10_000);
    }
    expect(w.operator.filter((e) => e.kind === 'vantage-lost')).toEqual([]);
    expect(w.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'api']]);
  });

  it('failures inside the window are not learned as background noise', () => {
    const catalog = buildCatalog({
      services: [{ id: 'github' }],
      monitor: { confirm: { down: 'auto', up: 2 } },
    });
    const w = world({ ...catalog, maintenance: [once(['github'])] });
    checks(w, up, T0, WINDOW_START);
    const before = w.engine.monitorRecord('github-http')?.background;
    expect(before).toBeDefined();
    // Single failures, each broken by a good check: outside a window each would be learned.
    for (let at = WINDOW_START + MINUTE; at < WINDOW_END; at += 2 * MINUTE) {
      w.check('github-http', down, at);
      w.check('github-http', up, at + MINUTE);
    }
    expect(w.engine.monitorRecord('github-http')?.background).toEqual(before);
    checks(w, down, WINDOW_END + MINUTE, WINDOW_END + 2 * MINUTE);
    checks(w, up, WINDOW_END + 2 * MINUTE, WINDOW_END + 3 * MINUTE);
    expect(w.engine.monitorRecord('github-http')?.background).not.toEqual(before);
    expect(w.incidents).toEqual([]);
  });
});

describe('DetectionEngine with a maintenance window on PostgreSQL', () => {
  const pools: pg.Pool[] = [];
  const stores: PostgresDetectionStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) store.close();
    for (const pool of pools.splice(0)) await pool.end();
  });

  it('stores maintenance as the status; restarted inside the window, the outage is alerted once, at its end', async () => {
    const catalog = { ...buildCatalog({ services: [{ id: 'github' }] }), maintenance: [once(['github'])] };
    const pool = await schemaPool();
    pools.push(pool);
    const open = async () => {
      const store = await PostgresDetectionStore.open(pool, catalog, { minRetryMs: 10, maxRetryMs: 100 });
      stores.push(store);
      return store;
    };
    const clock = new FakeClock(T0);
    const incidents: IncidentEvent[] = [];
    const first = await open();
    const engine = new DetectionEngine(catalog, first, clock, { roundMs: MINUTE });
    engine.onIncident((e) => incidents.push(e));
    for (let at = T0 + MINUTE; at < WINDOW_START; at += MINUTE) {
      clock.set(at);
      engine.handleResult('github-http', up);
    }
    clock.set(WINDOW_START);
    engine.checkMaintenance();
    for (let at = WINDOW_START + MINUTE; at < WINDOW_START + 5 * MINUTE; at += MINUTE) {
      clock.set(at);
      engine.handleResult('github-http', down);
    }
    await first.flush();
    const stored = await pool.query<{ status: string }>(
      'SELECT status FROM service_state WHERE service_id = $1',
      ['github'],
    );
    expect(stored.rows.map((r) => r.status)).toEqual(['maintenance']);

    // A restart in the window: the state read back is maintenance, and nothing is announced.
    const second = await open();
    const again = new DetectionEngine(catalog, second, clock, { roundMs: MINUTE });
    again.onIncident((e) => incidents.push(e));
    expect(again.serviceState('github')?.status).toBe('maintenance');
    for (let at = WINDOW_START + 5 * MINUTE; at < WINDOW_END; at += MINUTE) {
      clock.set(at);
      again.checkMaintenance();
      again.handleResult('github-http', down);
    }
    expect(incidents).toEqual([]);
    clock.set(WINDOW_END);
    again.checkMaintenance();
    expect(incidents.map((e) => [e.kind, e.at])).toEqual([['opened', WINDOW_END]]);
    await second.flush();
    const rows = await pool.query<{ kind: string }>('SELECT kind FROM incident_events ORDER BY id');
    expect(rows.rows.map((r) => r.kind)).toEqual(['opened']);
  });
});
