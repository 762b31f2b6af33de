/**
 * An incident keeps its worst severity in storage: the DNS-first outage (DNS and HTTP fail, DNS
 * comes back while HTTP still fails, then all is back) is stored as `major`, not as the `minor` it
 * ended with, while the engine still compares the next status with the current severity, also
 * after a restart. Real engine, real SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../src/core/events.js';
import { type DetectionCommit, DetectionEngine } from '../../src/core/detection/engine.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { tempDbPath } from '../helpers/temp-dir.js';
import { incidentEvent } from '../dispatch/delivery-fixtures.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 50 };
const HTTP_503: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 60 };
const SERVFAIL: ProbeOutcome = {
  status: 'down',
  reason: 'dns-servfail',
  message: 'server failure (SERVFAIL)',
  latencyMs: 5,
};
const catalog = buildCatalog({ services: [{ id: 'meta', probes: ['meta-http', 'meta-dns'] }] });

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
});

function open(path: string, clock: FakeClock) {
  const db = openDatabase(path);
  dbs.push(db);
  const store = new SqliteDetectionStore(db, catalog);
  const engine = new DetectionEngine(catalog, store, clock, { roundMs: 60_000 });
  const incidents: IncidentEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  /** What the store's incident hooks (the outbox) get. */
  const hooked: IncidentEvent[] = [];
  store.addIncidentHook((e) => hooked.push(e));
  /**
   * Both probes report, several rounds in a row, 10 s apart: enough to confirm any change, a
   * down streak having to span half the 60 s interval (docs/detection.md).
   */
  const rounds = (http: ProbeOutcome, dns: ProbeOutcome, times = 4): void => {
    for (let i = 0; i < times; i++) {
      clock.advance(10_000);
      engine.handleResult('meta-http', http);
      engine.handleResult('meta-dns', dns);
    }
  };
  const stored = () =>
    db.prepare('SELECT severity, status, resolved_at FROM incidents').all() as {
      severity: string;
      status: string;
      resolved_at: number | null;
    }[];
  return { db, store, engine, incidents, hooked, rounds, stored };
}

describe('the severity an incident is stored with', () => {
  it('stays at its worst through the DNS-first outage; no recovery while HTTP still fails', () => {
    const path = tempDbPath('incident-severity-');
    const clock = new FakeClock(T0);
    const bot = open(path, clock);
    bot.rounds(UP, UP);
    bot.rounds(HTTP_503, SERVFAIL);
    expect(bot.incidents.at(-1)).toMatchObject({ severity: 'major', status: 'down' });
    expect(bot.stored()).toEqual([{ severity: 'major', status: 'down', resolved_at: null }]);

    bot.rounds(HTTP_503, UP);
    // Better, not back: the service stays degraded while HTTP fails, and the incident open.
    expect(bot.incidents.at(-1)).toMatchObject({ kind: 'updated', severity: 'minor', status: 'degraded' });
    expect(bot.incidents.some((e) => e.kind === 'resolved')).toBe(false);
    expect(bot.stored()).toEqual([{ severity: 'major', status: 'degraded', resolved_at: null }]);

    bot.rounds(UP, UP);
    expect(bot.incidents.at(-1)?.kind).toBe('resolved');
    // The recovery the outbox gets says how bad it was at its worst, for its message.
    expect(bot.hooked.at(-1)).toMatchObject({ kind: 'resolved', severity: 'minor', worstSeverity: 'major' });
    expect(bot.hooked.slice(0, -1).every((e) => e.worstSeverity === undefined)).toBe(true);
    expect(bot.stored()).toMatchObject([{ severity: 'major', status: 'up' }]);
    const [shown] = new SqliteQueryStore(bot.db).incidents({ limit: 10 });
    expect(shown?.severity).toBe('major');
  });

  it('rises with the outage: opened degraded, then down, is stored major', () => {
    const bot = open(tempDbPath('incident-severity-'), new FakeClock(T0));
    bot.rounds(UP, UP);
    bot.rounds(UP, SERVFAIL);
    expect(bot.incidents.map((e) => [e.kind, e.severity])).toEqual([['opened', 'minor']]);
    expect(bot.stored()).toMatchObject([{ severity: 'minor' }]);
    bot.rounds(HTTP_503, SERVFAIL);
    expect(bot.incidents.map((e) => [e.kind, e.severity])).toEqual([
      ['opened', 'minor'],
      ['updated', 'major'],
    ]);
    expect(bot.stored()).toMatchObject([{ severity: 'major' }]);
  });

  it('after a restart the engine compares with the current severity, not the worst one', () => {
    const path = tempDbPath('incident-severity-');
    const clock = new FakeClock(T0);
    const before = open(path, clock);
    before.rounds(UP, UP);
    before.rounds(HTTP_503, SERVFAIL);
    before.rounds(HTTP_503, UP);
    before.store.flush();
    before.db.close();

    const after = open(path, clock);
    expect(after.store.load().openIncidents.get('meta')?.severity).toBe('minor');
    after.engine.handleResult('meta-http', HTTP_503);
    after.engine.handleResult('meta-dns', UP);
    // Still degraded, same evidence: nothing to tell.
    after.rounds(HTTP_503, UP);
    expect(after.incidents).toEqual([]);
    expect(after.stored()).toMatchObject([{ severity: 'major', status: 'degraded' }]);
  });
});

describe('the worst severity a recovery carries', () => {
  const catalogOfOne = buildCatalog({ services: [{ id: 'whatsapp' }] });
  const change = (
    decision: NonNullable<DetectionCommit['incident']>['decision'],
    event: Partial<IncidentEvent>,
  ): DetectionCommit => ({
    result: null,
    monitor: null,
    service: null,
    incident: { decision, evidenceKey: '', event: incidentEvent({ at: T0, ...event }) },
  });

  it('is the worst of the current outage: a reopened incident that was only degraded says so', () => {
    const db = openDatabase(tempDbPath('incident-severity-'));
    dbs.push(db);
    const store = new SqliteDetectionStore(db, catalogOfOne);
    const hooked: IncidentEvent[] = [];
    store.addIncidentHook((e) => hooked.push(e));
    const { incidentId } = store.commit(change({ kind: 'open', severity: 'major', startedAt: T0 }, {}));
    const id = incidentId!;
    store.commit(
      change(
        { kind: 'resolve', incidentId: id, durationMs: 60_000 },
        {
          kind: 'resolved',
          status: 'up',
          at: T0 + 60_000,
        },
      ),
    );
    expect(hooked.at(-1)).toMatchObject({ kind: 'resolved', worstSeverity: 'major' });
    // Back two minutes later, only degraded this time, then up again.
    store.commit(
      change(
        { kind: 'reopen', incidentId: id, severity: 'minor' },
        {
          kind: 'reopened',
          status: 'degraded',
          severity: 'minor',
          at: T0 + 180_000,
        },
      ),
    );
    store.commit(
      change(
        { kind: 'resolve', incidentId: id, durationMs: 60_000 },
        {
          kind: 'resolved',
          status: 'up',
          severity: 'minor',
          at: T0 + 240_000,
        },
      ),
    );
    expect(hooked.at(-1)).toMatchObject({ kind: 'resolved', worstSeverity: 'minor' });
    // The history keeps the incident's worst ever.
    expect(db.prepare('SELECT severity FROM incidents').pluck().all()).toEqual(['major']);
  });
});
