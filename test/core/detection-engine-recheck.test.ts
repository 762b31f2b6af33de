/**
 * Re-checks and the learned confirmation on the real engine and SQLite store, on a simulated
 * clock: the scheduler's re-check rules (`recheckDelayMs`, `recheckFits`, asked after each result
 * through `pendingFailures`) replayed as events. Our own network dying must not open incidents
 * through quick re-checks of monitors that learned k = 2; a real outage of one service still does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/core/catalog.js';
import { recheckDelayMs, recheckFits } from '../../src/core/detection/confirmation.js';
import { DEFAULT_CONFIRM } from '../../src/core/detection/monitor-state.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { IncidentEvent, OperatorEvent } from '../../src/core/events.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { firstSlot } from '../../src/monitors/scheduler.js';
import { FakeClock, buildCatalog, monitorDef, serviceDef } from '../helpers/catalog.js';
import { tempDbPath } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const SECOND = 1000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const INTERVAL_MS = MINUTE;
const TIMEOUT_MS = 10 * SECOND;

const up: ProbeOutcome = { status: 'up', reason: 'ok', message: '200', latencyMs: 20 };
const dnsFail: ProbeOutcome = {
  status: 'down',
  reason: 'dns-servfail',
  message: 'EAI_AGAIN',
  latencyMs: null,
};
const timedOut: ProbeOutcome = { status: 'down', reason: 'timeout', message: 'no answer', latencyMs: null };

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
});

/** 20 services and 2 control targets, every 60 s with a 10 s timeout, learned confirmation. */
function catalog(): Catalog {
  return buildCatalog({
    services: Array.from({ length: 20 }, (_, i) => ({ id: `s${i}` })),
    controls: ['control-a', 'control-b'],
    monitor: { confirm: DEFAULT_CONFIRM, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS },
  });
}

interface Run {
  readonly incidents: IncidentEvent[];
  readonly operator: OperatorEvent[];
  readonly engine: DetectionEngine;
  readonly rechecks: number;
}

/**
 * Runs every monitor on its grid from T0 to `end`, re-checked as the scheduler does; `outcome`
 * says what a check starting at `at` sees (and how long it takes: a timeout takes TIMEOUT_MS).
 */
function simulate(c: Catalog, end: number, outcome: (monitorId: string, at: number) => ProbeOutcome): Run {
  const clock = new FakeClock(T0);
  const db = openDatabase(tempDbPath('engine-recheck-'));
  dbs.push(db);
  // Written behind, as the app does: two days of 22 monitors are 63,000 results.
  const store = new SqliteDetectionStore(db, c, { writeBehindMs: SECOND });
  const engine = new DetectionEngine(c, store, clock, { roundMs: INTERVAL_MS });
  const incidents: IncidentEvent[] = [];
  const operator: OperatorEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  engine.onOperator((e) => operator.push(e));
  type Event = { at: number; id: string; kind: 'slot' | 'recheck' | 'result'; outcome?: ProbeOutcome };
  const queue: Event[] = c.monitors.map((m) => ({
    at: firstSlot(m.id, INTERVAL_MS, T0),
    id: m.id,
    kind: 'slot',
  }));
  const running = new Set<string>();
  const queued = new Set<string>();
  let rechecks = 0;
  for (;;) {
    let next = 0;
    for (let i = 1; i < queue.length; i++) if ((queue[i]?.at ?? 0) < (queue[next]?.at ?? 0)) next = i;
    const e = queue.splice(next, 1)[0];
    if (!e || e.at > end) break;
    clock.set(e.at);
    if (e.kind === 'result') {
      running.delete(e.id);
      const o = e.outcome ?? up;
      engine.handleResult(e.id, o);
      if (queued.has(e.id)) continue;
      const delay = recheckDelayMs(engine.pendingFailures(e.id), INTERVAL_MS, o.reason === 'timeout');
      if (delay === null) continue;
      const at = e.at + delay;
      if (!recheckFits(at, TIMEOUT_MS, firstSlot(e.id, INTERVAL_MS, e.at + 1))) continue;
      queued.add(e.id);
      queue.push({ at, id: e.id, kind: 'recheck' });
      continue;
    }
    if (e.kind === 'slot') queue.push({ at: e.at + INTERVAL_MS, id: e.id, kind: 'slot' });
    else {
      queued.delete(e.id);
      rechecks++;
    }
    if (running.has(e.id)) continue;
    running.add(e.id);
    const o = outcome(e.id, e.at);
    queue.push({
      at: e.at + (o.reason === 'timeout' ? TIMEOUT_MS : 5),
      id: e.id,
      kind: 'result',
      outcome: o,
    });
  }
  store.flush();
  return { incidents, operator, engine, rechecks };
}

describe('re-checks and the vantage guard (learned k = 2)', () => {
  const dies = T0 + 2 * DAY + 17 * SECOND;
  const end = dies + 5 * MINUTE;

  it.each([
    { variant: 'failing at once (DNS)', failure: dnsFail },
    { variant: 'timing out', failure: timedOut },
  ])('our own network dies after two clean days: no incident ($variant)', ({ failure }) => {
    const run = simulate(catalog(), end, (_id, at) => (at >= dies ? failure : up));
    // Two clean days taught every monitor k = 2, the case quick re-checks confirm fastest.
    expect(run.engine.downConfirmation('s2-http')).toMatchObject({ needed: 2, learned: true });
    expect(run.rechecks).toBeGreaterThan(0);
    expect(run.operator.map((e) => e.kind)).toContain('vantage-lost');
    expect(run.incidents).toEqual([]);
  });

  it('still opens a real outage of one service, with re-checks, within two intervals plus 30 s', () => {
    const run = simulate(catalog(), end, (id, at) => (id === 's3-http' && at >= dies ? timedOut : up));
    expect(run.operator).toEqual([]);
    expect(run.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 's3']]);
    expect((run.incidents[0]?.at ?? 0) - dies).toBeLessThanOrEqual(2 * INTERVAL_MS + 30 * SECOND);
  });
});

describe('which results ask for a re-check (pendingFailures)', () => {
  function engineFor(c: Catalog): { engine: DetectionEngine; clock: FakeClock } {
    const clock = new FakeClock(T0);
    const db = openDatabase(tempDbPath('engine-recheck-'));
    dbs.push(db);
    const engine = new DetectionEngine(c, new SqliteDetectionStore(db, c), clock, { roundMs: INTERVAL_MS });
    return { engine, clock };
  }

  it('only a result that extended the streak: an unknown keeps the streak but asks for none', () => {
    const { engine, clock } = engineFor(buildCatalog({ services: [{ id: 'site' }] }));
    engine.handleResult('site-http', up);
    clock.advance(MINUTE);
    engine.handleResult('site-http', dnsFail);
    expect(engine.pendingFailures('site-http')).toBe(1);
    clock.advance(2 * SECOND);
    engine.handleResult('site-http', { status: 'unknown', reason: 'aborted', message: '', latencyMs: null });
    expect(engine.monitorRecord('site-http')?.pending).toMatchObject({ count: 1 });
    expect(engine.pendingFailures('site-http')).toBe(0);
  });

  it('only sampling service probes (TLS handshakes too): not push monitors, official sources or controls', () => {
    const c: Catalog = {
      services: [serviceDef('site', ['site-http', 'site-push', 'site-tls', 'site-status'])],
      monitors: [
        monitorDef('site-http', 'site'),
        monitorDef('site-push', 'site', { type: 'push' }),
        monitorDef('site-tls', 'site', { type: 'tls' }),
        monitorDef('site-status', 'site', { type: 'statuspage', role: 'official' }),
        monitorDef('control', null),
      ],
    };
    const { engine, clock } = engineFor(c);
    for (const id of ['site-http', 'site-push', 'site-tls', 'site-status', 'control'])
      engine.handleResult(id, up);
    clock.advance(MINUTE);
    for (const id of ['site-http', 'site-push', 'site-tls', 'site-status', 'control'])
      engine.handleResult(id, dnsFail);
    expect(
      ['site-http', 'site-push', 'site-tls', 'site-status', 'control'].map((id) =>
        engine.pendingFailures(id),
      ),
    ).toEqual([1, 0, 1, 0, 0]);
  });
});
