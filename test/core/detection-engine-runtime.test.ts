import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/core/catalog.js';
import {
  DetectionEngine,
  type DetectionSnapshot,
  type DetectionStore,
} from '../../src/core/detection/engine.js';
import type { IncidentEvent } from '../../src/core/events.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { FakeClock, buildCatalog, monitorDef, serviceDef } from '../helpers/catalog.js';

/** Services added and removed at runtime (chat monitors): `addService` / `removeService`. */

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const up: ProbeOutcome = { status: 'up', reason: 'ok', message: '200', latencyMs: 10 };
const down: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 10 };

const operator = buildCatalog({ services: [{ id: 'github' }] });
const shop = serviceDef('chat-1', ['chat-1-0'], { name: 'Shop' });
const shopMonitor = monitorDef('chat-1-0', 'chat-1');

let dir: string;
let dbs: Db[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-runtime-'));
  dbs = [];
});
afterEach(() => {
  for (const db of dbs) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(clock: FakeClock, catalog: Catalog = operator) {
  const db = openDatabase(join(dir, 'bot.sqlite'));
  dbs.push(db);
  const store = new SqliteDetectionStore(db, catalog);
  const engine = new DetectionEngine(catalog, store, clock, { roundMs: MINUTE });
  const incidents: IncidentEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  const check = (monitorId: string, outcome: ProbeOutcome) => {
    clock.advance(MINUTE);
    engine.handleResult(monitorId, outcome);
  };
  return { db, store, engine, incidents, check, clock };
}

describe('DetectionEngine.addService', () => {
  it('ignores results for a service it does not know, then alerts once it is added', () => {
    const h = start(new FakeClock(T0));
    h.check('chat-1-0', down);
    h.check('chat-1-0', down);
    expect(h.engine.serviceState('chat-1')).toBeUndefined();

    h.engine.addService(shop, [shopMonitor]);
    expect(h.engine.serviceState('chat-1')).toEqual({
      status: 'unknown',
      since: T0 + 2 * MINUTE,
      evidence: [],
    });
    h.check('chat-1-0', down);
    h.check('chat-1-0', down);
    expect(h.incidents.map((e) => [e.kind, e.serviceId, e.serviceName])).toEqual([
      ['opened', 'chat-1', 'Shop'],
    ]);
    expect(h.engine.serviceState('chat-1')?.status).toBe('down');
  });

  it('records the new monitor’s checks in the store like a catalogue monitor', () => {
    const h = start(new FakeClock(T0));
    h.engine.addService(shop, [shopMonitor]);
    h.check('chat-1-0', up);
    const rows = h.db
      .prepare(
        `SELECT m.id, s.last_status FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref WHERE m.id = ?`,
      )
      .all('chat-1-0');
    expect(rows).toEqual([{ id: 'chat-1-0', last_status: 'up' }]);
  });

  it('loads the stored state after a restart: an ongoing incident is not announced again', () => {
    const clock = new FakeClock(T0);
    const first = start(clock);
    first.engine.addService(shop, [shopMonitor]);
    first.check('chat-1-0', down);
    first.check('chat-1-0', down);
    expect(first.incidents.map((e) => e.kind)).toEqual(['opened']);
    const openedAt = first.incidents[0]?.startedAt;
    first.db.close();

    const second = start(clock);
    second.engine.addService(shop, [shopMonitor]);
    expect(second.engine.serviceState('chat-1')?.status).toBe('down');
    expect(second.engine.openIncident('chat-1')?.startedAt).toBe(openedAt);
    expect(second.engine.monitorRecord('chat-1-0')?.state).toBe('down');
    second.check('chat-1-0', down);
    expect(second.incidents).toEqual([]);
    second.check('chat-1-0', up);
    second.check('chat-1-0', up);
    expect(second.incidents.map((e) => [e.kind, e.startedAt])).toEqual([['resolved', openedAt]]);
  });

  it('falls back to the full load() for a store without loadService', () => {
    const loads: string[] = [];
    const empty: DetectionSnapshot = {
      monitors: new Map(),
      services: new Map([['chat-1', { status: 'down', since: T0 - MINUTE, evidence: [] }]]),
      openIncidents: new Map(),
      lastResolved: new Map(),
    };
    const store: DetectionStore = {
      load: () => {
        loads.push('load');
        return empty;
      },
      commit: () => ({ incidentId: null }),
    };
    const engine = new DetectionEngine(operator, store, new FakeClock(T0), { roundMs: MINUTE });
    engine.addService(shop, [shopMonitor]);
    expect(loads).toEqual(['load', 'load']);
    expect(engine.serviceState('chat-1')).toEqual({ status: 'down', since: T0 - MINUTE, evidence: [] });
  });
});

describe('DetectionEngine.removeService', () => {
  it('ignores results for the removed monitor and forgets the service', () => {
    const h = start(new FakeClock(T0));
    h.engine.addService(shop, [shopMonitor]);
    h.check('chat-1-0', down);
    h.engine.removeService('chat-1');
    h.check('chat-1-0', down);
    h.check('chat-1-0', down);
    expect(h.incidents).toEqual([]);
    expect(h.engine.serviceState('chat-1')).toBeUndefined();
    expect(h.engine.monitorRecord('chat-1-0')).toBeUndefined();
    const checks = h.db
      .prepare(
        `SELECT count(*) AS n FROM check_failures f JOIN monitors m ON m.ref = f.monitor_ref WHERE m.id = ?`,
      )
      .get('chat-1-0') as { n: number };
    expect(checks.n).toBe(1);
  });

  it('closes the open incident in the store, without an event, when its service is removed', () => {
    const h = start(new FakeClock(T0));
    h.engine.addService(shop, [shopMonitor]);
    h.check('chat-1-0', down);
    h.check('chat-1-0', down);
    expect(h.incidents.map((e) => e.kind)).toEqual(['opened']);
    h.clock.advance(MINUTE);
    h.engine.removeService('chat-1');
    expect(h.incidents.map((e) => e.kind)).toEqual(['opened']);
    expect(h.db.prepare('SELECT service_id, status, resolved_at FROM incidents').all()).toEqual([
      { service_id: 'chat-1', status: 'unknown', resolved_at: T0 + 3 * MINUTE },
    ]);
    const events = h.db.prepare('SELECT kind, at, payload_json FROM incident_events ORDER BY id').all() as {
      kind: string;
      at: number;
      payload_json: string;
    }[];
    expect(events.map((e) => [e.kind, e.at])).toEqual([
      ['opened', T0 + 2 * MINUTE],
      ['resolved', T0 + 3 * MINUTE],
    ]);
    expect(JSON.parse(events[1]?.payload_json ?? '{}')).toMatchObject({ closedBy: 'monitor-removed' });
    // Nothing left open for a restart to pick up.
    expect(h.store.load().openIncidents.size).toBe(0);
  });

  it('leaves catalogue services alone and ignores unknown ids', () => {
    const h = start(new FakeClock(T0));
    h.engine.addService(shop, [shopMonitor]);
    h.engine.removeService('nope');
    h.engine.removeService('chat-1');
    h.check('github-http', down);
    h.check('github-http', down);
    expect(h.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'github']]);
  });

  it('loads the stored pending streak when the same id is added again', () => {
    const h = start(new FakeClock(T0));
    h.engine.addService(shop, [shopMonitor]);
    h.check('chat-1-0', down);
    h.engine.removeService('chat-1');
    h.engine.addService(shop, [shopMonitor]);
    // The pending failure was stored, so it is loaded back as at a restart: this failure confirms
    // it (no other monitor has reported, so the vantage guard has no peers to wait for).
    expect(h.engine.monitorRecord('chat-1-0')?.pending).toMatchObject({ status: 'down', count: 1 });
    expect(h.incidents).toEqual([]);
    h.check('chat-1-0', down);
    expect(h.incidents.map((e) => e.kind)).toEqual(['opened']);
  });
});

describe('runtime services and the vantage guard', () => {
  it('does not let failing chat monitors pass for a mass failure that would silence real alerts', () => {
    const h = start(new FakeClock(T0));
    const operatorEvents: string[] = [];
    h.engine.onOperator((e) => operatorEvents.push(e.kind));
    const ids = [1, 2, 3, 4, 5, 6].map((n) => `chat-${n}`);
    for (const id of ids) h.engine.addService(serviceDef(id, [`${id}-0`]), [monitorDef(`${id}-0`, id)]);
    h.check('github-http', up);
    for (let round = 0; round < 2; round++) {
      for (const id of ids) h.engine.handleResult(`${id}-0`, down);
      h.check('github-http', down);
    }
    expect(operatorEvents).not.toContain('vantage-lost');
    expect(h.incidents.filter((e) => e.serviceId === 'github').map((e) => e.kind)).toEqual(['opened']);
  });
});
