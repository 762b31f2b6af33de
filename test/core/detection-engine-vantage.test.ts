/**
 * The vantage verdict comes first: no service incident opens from failures that the guard would,
 * at the same moment, blame on our own network, whatever order the results come in. Simulated
 * schedules on the real engine and SQLite store, with an injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/core/catalog.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { IncidentEvent, OperatorEvent } from '../../src/core/events.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { tempDbPath } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const SECOND = 1000;
const MINUTE = 60_000;
/** The app's round (VANTAGE_ROUND_MS). */
const ROUND_MS = MINUTE;

const up: ProbeOutcome = { status: 'up', reason: 'ok', message: '200 in 12 ms', latencyMs: 12 };
const down: ProbeOutcome = { status: 'down', reason: 'timeout', message: 'no answer', latencyMs: null };

const SIX = ['site', 'shop', 'blog', 'wiki', 'mail', 'chat'];

interface World {
  readonly db: Db;
  readonly engine: DetectionEngine;
  readonly clock: FakeClock;
  readonly incidents: IncidentEvent[];
  readonly operator: OperatorEvent[];
}

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
});

function world(catalog: Catalog, path = tempDbPath('vantage-first-'), clock = new FakeClock(T0)): World {
  const db = openDatabase(path);
  dbs.push(db);
  const engine = new DetectionEngine(catalog, new SqliteDetectionStore(db, catalog), clock, {
    roundMs: ROUND_MS,
  });
  const incidents: IncidentEvent[] = [];
  const operator: OperatorEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  engine.onOperator((e) => operator.push(e));
  return { db, engine, clock, incidents, operator };
}

interface Check {
  readonly at: number;
  readonly monitorId: string;
}

/** Every `everyMs` from `phaseMs` until `untilMs` (relative to T0). */
const every = (monitorId: string, everyMs: number, phaseMs: number, untilMs: number): Check[] =>
  Array.from({ length: Math.ceil((untilMs - phaseMs) / everyMs) }, (_, i) => ({
    monitorId,
    at: T0 + phaseMs + i * everyMs,
  }));

/** A fixed pseudo-random answer time per check (0–399 ms), so results arrive as unevenly as real ones. */
const jittered = (checks: readonly Check[]): Check[] => {
  let seed = 12345;
  return checks.map((c) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return { ...c, at: c.at + (seed % 400) };
  });
};

/** Runs the checks in time order; `outcome` says what each one sees. */
function run(w: World, checks: readonly Check[], outcome: (c: Check) => ProbeOutcome): void {
  for (const c of [...checks].sort((a, b) => a.at - b.at || a.monitorId.localeCompare(b.monitorId))) {
    w.clock.set(c.at);
    w.engine.handleResult(c.monitorId, outcome(c));
  }
}

/**
 * The measured pattern: fine for 30 s, then 8 times everything failing for 8 s and fine for 15 s.
 * Each drop starts at another point of the second, as a real one would.
 */
const DROPS = Array.from({ length: 8 }, (_, i) => 30 * SECOND + i * 23 * SECOND + ((i * 317) % SECOND));
const networkDown = (at: number): boolean =>
  DROPS.some((start) => at - T0 >= start && at - T0 < start + 8 * SECOND);
const DROPS_END = 30 * SECOND + 8 * 23 * SECOND + 30 * SECOND;

describe('the vantage verdict comes first', () => {
  it.each([
    { variant: 'no control monitor', controls: [] as string[] },
    { variant: 'one control monitor', controls: ['control'] },
  ])('six services every second, 8 drops of our network: no service incident ($variant)', ({ controls }) => {
    const catalog = buildCatalog({
      services: SIX.map((id) => ({ id })),
      controls,
      monitor: { intervalMs: SECOND },
    });
    const w = world(catalog);
    // Spread within the second, as the scheduler does; several phases so no order is favoured.
    const monitors = [...SIX.map((id) => `${id}-http`), ...controls];
    const checks = jittered(monitors.flatMap((id, i) => every(id, SECOND, (i * 370) % SECOND, DROPS_END)));
    run(w, checks, (c) => (networkDown(c.at) ? down : up));

    expect(w.incidents).toEqual([]);
    expect(w.db.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 0 });
    const lost = w.operator.filter((e) => e.kind === 'vantage-lost');
    expect(lost).toHaveLength(DROPS.length);
    expect(w.engine.vantageStatus().ok).toBe(true);
    for (const id of SIX) expect(w.engine.serviceState(id)?.status).toBe('up');
  });

  it('holds a quick re-check confirmation until the guard has seen the others fail too', () => {
    // Checked once a minute at different phases; `site` re-checked 2 s after its first failure,
    // as the scheduler's quick re-checks do: it confirms long before the others are checked again.
    const catalog = buildCatalog({ services: SIX.map((id) => ({ id })) });
    const w = world(catalog);
    const dropAt = 3 * MINUTE + 5 * SECOND;
    const checks = [
      ...SIX.flatMap((id, i) => every(`${id}-http`, MINUTE, i * 9 * SECOND, 8 * MINUTE)),
      { monitorId: 'site-http', at: T0 + 3 * MINUTE + 2 * SECOND },
      { monitorId: 'site-http', at: T0 + 3 * MINUTE + 4 * SECOND },
      { monitorId: 'site-http', at: T0 + 3 * MINUTE + 6 * SECOND },
    ];
    run(w, checks, (c) => (c.at >= T0 + MINUTE * 3 && c.at < T0 + dropAt + 2 * MINUTE ? down : up));

    expect(w.incidents).toEqual([]);
    expect(w.operator.map((e) => e.kind)).toEqual(['vantage-lost', 'vantage-restored']);
  });

  it('still opens a real outage of one service once the guard has had its round', () => {
    const catalog = buildCatalog({ services: SIX.map((id) => ({ id })) });
    const w = world(catalog);
    const firstFailure = T0 + 3 * MINUTE;
    const checks = [
      ...SIX.flatMap((id, i) => every(`${id}-http`, MINUTE, i * 9 * SECOND, 6 * MINUTE)),
      // Quick re-checks of the failing site every 2 s for a minute.
      ...every('site-http', 2 * SECOND, 3 * MINUTE + 2 * SECOND, 4 * MINUTE),
    ];
    run(w, checks, (c) => (c.monitorId === 'site-http' && c.at >= firstFailure ? down : up));

    expect(w.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'site']]);
    const openedAt = w.incidents[0]?.at ?? 0;
    // Every other monitor had been checked since the first failure (the last at +45 s): not before.
    expect(openedAt).toBeGreaterThanOrEqual(firstFailure + 45 * SECOND);
    expect(openedAt).toBeLessThanOrEqual(firstFailure + ROUND_MS);
    expect(w.operator).toEqual([]);
  });

  it('opens at the second failure when every monitor has reported since the first (every second)', () => {
    const catalog = buildCatalog({ services: SIX.map((id) => ({ id })), monitor: { intervalMs: SECOND } });
    const w = world(catalog);
    const firstFailure = T0 + 10 * SECOND;
    const checks = SIX.flatMap((id, i) => every(`${id}-http`, SECOND, i * 100, 20 * SECOND));
    run(w, checks, (c) => (c.monitorId === 'shop-http' && c.at >= firstFailure ? down : up));
    expect(w.incidents.map((e) => e.serviceId)).toEqual(['shop']);
    expect(w.incidents[0]?.at).toBeLessThanOrEqual(firstFailure + 3 * SECOND);
  });

  it('does not make a 10-s service wait for five 60-s ones: its outage is announced within 2 intervals + 30 s', () => {
    const catalog: Catalog = {
      services: buildCatalog({ services: [...SIX.map((id) => ({ id }))] }).services,
      monitors: buildCatalog({ services: SIX.map((id) => ({ id })) }).monitors.map((m) =>
        m.id === 'site-http' ? { ...m, intervalMs: 10 * SECOND } : m,
      ),
    };
    const w = world(catalog);
    const outageStart = T0 + 3 * MINUTE + 1 * SECOND;
    const firstFailure = T0 + 3 * MINUTE + 10 * SECOND;
    const checks = [
      ...every('site-http', 10 * SECOND, 0, 6 * MINUTE),
      ...SIX.slice(1).flatMap((id, i) =>
        every(`${id}-http`, MINUTE, 5 * SECOND + i * 11 * SECOND, 6 * MINUTE),
      ),
      // The scheduler's quick re-checks after the first failure: 2 s, then 4 s, then every 8 s.
      ...[2, 6, 14, 22, 30, 38, 46].map((s) => ({ monitorId: 'site-http', at: firstFailure + s * SECOND })),
    ];
    run(w, checks, (c) => (c.monitorId === 'site-http' && c.at >= outageStart ? down : up));

    expect(w.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'site']]);
    expect(w.incidents[0]?.at).toBeLessThanOrEqual(outageStart + 2 * 10 * SECOND + 30 * SECOND);
    expect(w.operator).toEqual([]);
  });

  it('does not let a slow monitor or one that never reported hold the confirmations of 1-s services', () => {
    const catalog = buildCatalog({
      services: [...SIX, 'slow', 'silent'].map((id) => ({ id })),
      monitor: { intervalMs: SECOND, timeoutMs: 800 },
    });
    const monitors = catalog.monitors.map((m) => (m.id === 'slow-http' ? { ...m, intervalMs: MINUTE } : m));
    const w = world({ services: catalog.services, monitors });
    const firstFailure = T0 + 10 * SECOND;
    const checks = [
      ...SIX.flatMap((id, i) => every(`${id}-http`, SECOND, i * 100, 40 * SECOND)),
      { monitorId: 'slow-http', at: T0 + 700 },
    ];
    run(w, checks, (c) => (c.monitorId === 'shop-http' && c.at >= firstFailure ? down : up));

    expect(w.incidents.map((e) => e.serviceId)).toEqual(['shop']);
    expect(w.incidents[0]?.at).toBeLessThanOrEqual(firstFailure + 3 * SECOND);
  });

  it('releases a held confirmation at the monitor’s own deadline when a peer stops reporting', () => {
    const catalog = buildCatalog({
      services: SIX.map((id) => ({ id })),
      monitor: { intervalMs: 10 * SECOND, timeoutMs: 5 * SECOND },
    });
    const w = world(catalog);
    const outageStart = T0 + MINUTE + 500;
    const firstFailure = T0 + MINUTE + 1 * SECOND;
    const checks = [
      ...SIX.flatMap((id, i) =>
        every(`${id}-http`, 10 * SECOND, 1 * SECOND + i * SECOND, id === 'blog' ? 30 * SECOND : 3 * MINUTE),
      ),
      ...[2, 6, 14, 22, 30, 38].map((s) => ({ monitorId: 'site-http', at: firstFailure + s * SECOND })),
    ];
    run(w, checks, (c) => (c.monitorId === 'site-http' && c.at >= outageStart ? down : up));

    expect(w.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'site']]);
    const openedAt = w.incidents[0]?.at ?? 0;
    // Held until its own deadline (first failure + 10 s + 30 s − 5 s), not a whole minute.
    expect(openedAt).toBeGreaterThanOrEqual(firstFailure + 35 * SECOND);
    expect(openedAt).toBeLessThanOrEqual(outageStart + 2 * 10 * SECOND + 30 * SECOND);
  });

  it('resolves an incident opened before our network dropped, once the network and the service are back', () => {
    const catalog = buildCatalog({ services: SIX.map((id) => ({ id })), monitor: { intervalMs: SECOND } });
    const w = world(catalog);
    const checks = SIX.flatMap((id, i) => every(`${id}-http`, SECOND, i * 100, 3 * MINUTE));
    const siteDown = (at: number) => at >= T0 + 10 * SECOND && at < T0 + 2 * MINUTE;
    const dropped = (at: number) => at >= T0 + MINUTE && at < T0 + MINUTE + 30 * SECOND;
    run(w, checks, (c) => (dropped(c.at) || (c.monitorId === 'site-http' && siteDown(c.at)) ? down : up));

    expect(w.operator.map((e) => e.kind)).toEqual(['vantage-lost', 'vantage-restored']);
    expect(w.incidents.map((e) => [e.kind, e.serviceId])).toEqual([
      ['opened', 'site'],
      ['resolved', 'site'],
    ]);
    expect(w.incidents[1]?.at).toBeGreaterThanOrEqual(T0 + 2 * MINUTE);
    expect(w.db.prepare('SELECT COUNT(*) AS n FROM incidents WHERE resolved_at IS NULL').get()).toEqual({
      n: 0,
    });
  });
});

describe('incidents no state leaves open', () => {
  it('closes, without an alert, the open incident of a service taken out of the services file', () => {
    const path = tempDbPath('vantage-removed-');
    const before = world(buildCatalog({ services: [{ id: 'site' }, { id: 'shop' }] }), path);
    run(before, every('shop-http', MINUTE, 0, 3 * MINUTE), () => down);
    expect(before.incidents.map((e) => e.kind)).toEqual(['opened']);
    before.db.close();

    const after = world(buildCatalog({ services: [{ id: 'site' }] }), path, before.clock);
    expect(after.incidents).toEqual([]);
    expect(after.db.prepare('SELECT service_id, status, resolved_at FROM incidents').all()).toEqual([
      { service_id: 'shop', status: 'unknown', resolved_at: before.clock.now() },
    ]);
  });

  it('keeps a chat service’s open incident for the chat monitors to load', () => {
    const path = tempDbPath('vantage-chat-');
    const catalog = buildCatalog({ services: [{ id: 'site' }] });
    const before = world(catalog, path);
    before.engine.addService(
      { id: 'chat-1', name: 'Shop', group: null, quorum: null, crowd: false, monitorIds: ['chat-1-0'] },
      [{ ...catalog.monitors[0]!, id: 'chat-1-0', serviceId: 'chat-1' }],
    );
    run(before, every('chat-1-0', MINUTE, 0, 3 * MINUTE), () => down);
    expect(before.incidents.map((e) => e.kind)).toEqual(['opened']);
    before.db.close();

    world(catalog, path, before.clock);
    expect(before.db.open).toBe(false);
    const db = openDatabase(path);
    dbs.push(db);
    expect(db.prepare('SELECT COUNT(*) AS n FROM incidents WHERE resolved_at IS NULL').get()).toEqual({
      n: 1,
    });
  });
});

describe('official sources and the mass-failure verdict', () => {
  it('status pages we cannot fetch (unknown) do not dilute the share while every probe fails', () => {
    // Five services with a probe, five watched only through their status page.
    const catalog = buildCatalog({
      services: [
        ...['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })),
        ...['p', 'q', 'r', 's', 't'].map((id) => ({ id, probes: [], officials: [`${id}-status`] })),
      ],
      monitor: { intervalMs: 10 * SECOND, confirm: { down: 2, up: 2 } },
    });
    const w = world(catalog);
    const probes = ['a', 'b', 'c', 'd', 'e'].map((id) => `${id}-http`);
    const pages = ['p', 'q', 'r', 's', 't'].map((id) => `${id}-status`);
    const unreachable: ProbeOutcome = {
      status: 'unknown',
      reason: 'unreachable',
      message: 'page not reachable',
      latencyMs: null,
    };
    const checks = [...probes, ...pages].flatMap((id, i) => every(id, 10 * SECOND, i * 700, 3 * MINUTE));
    // Everything fine for a minute, then our network is gone: probes fail, pages cannot be fetched.
    run(w, jittered(checks), (c) => {
      if (c.at - T0 < MINUTE) return up;
      return c.monitorId.endsWith('-status') ? unreachable : down;
    });
    expect(w.operator.filter((e) => e.kind === 'vantage-lost')).toHaveLength(1);
    expect(w.incidents).toEqual([]);
  });

  it('a status page announcing an outage is not a failure of ours', () => {
    const catalog = buildCatalog({
      services: [
        ...['a', 'b'].map((id) => ({ id })),
        ...['p', 'q', 'r', 's'].map((id) => ({ id, probes: [], officials: [`${id}-status`] })),
      ],
      monitor: { intervalMs: 10 * SECOND, confirm: { down: 2, up: 2 } },
    });
    const w = world(catalog);
    const ids = ['a-http', 'b-http', 'p-status', 'q-status', 'r-status', 's-status'];
    // Four providers announce an outage at once (a shared upstream): four of six units "failing".
    run(w, jittered(ids.flatMap((id, i) => every(id, 10 * SECOND, i * 700, 2 * MINUTE))), (c) =>
      c.at - T0 >= MINUTE && c.monitorId.endsWith('-status') ? down : up,
    );
    expect(w.operator.filter((e) => e.kind === 'vantage-lost')).toEqual([]);
    expect(new Set(w.incidents.filter((e) => e.kind === 'opened').map((e) => e.serviceId))).toEqual(
      new Set(['p', 'q', 'r', 's']),
    );
  });
});
