import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/core/catalog.js';
import { DEFAULT_REOPEN_COOLDOWN_MS } from '../../src/core/detection/incident-policy.js';
import { DEFAULT_CONFIRM } from '../../src/core/detection/monitor-state.js';
import { DetectionEngine, type EngineOptions } from '../../src/core/detection/engine.js';
import { describeEvidence } from '../../src/core/alert-message.js';
import { messagesFor } from '../../src/core/i18n/index.js';
import type { IncidentEvent, OperatorEvent } from '../../src/core/events.js';
import type { OutcomeReason, ProbeOutcome } from '../../src/core/model.js';
import { decodeChunk } from '../../src/db/check-encoding.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const OPTIONS: EngineOptions = { roundMs: MINUTE };

const up = (latencyMs = 120): ProbeOutcome => ({
  status: 'up',
  reason: 'ok',
  message: `200 in ${latencyMs} ms`,
  latencyMs,
});
const down = (reason: OutcomeReason = 'http-status', message = 'HTTP 503'): ProbeOutcome => ({
  status: 'down',
  reason,
  message,
  latencyMs: reason === 'timeout' ? null : 300,
});

/** One running engine on the real SQLite store, with every event it emitted. */
class Harness {
  readonly db: Db;
  readonly store: SqliteDetectionStore;
  readonly engine: DetectionEngine;
  readonly incidents: IncidentEvent[] = [];
  readonly operator: OperatorEvent[] = [];

  constructor(
    path: string,
    catalog: Catalog,
    readonly clock: FakeClock,
    options: EngineOptions = OPTIONS,
  ) {
    this.db = openDatabase(path);
    this.store = new SqliteDetectionStore(this.db, catalog);
    this.engine = new DetectionEngine(catalog, this.store, clock, options);
    this.engine.onIncident((e) => this.incidents.push(e));
    this.engine.onOperator((e) => this.operator.push(e));
  }

  /** Advances the clock by `stepMs`, then applies the outcome. */
  check(monitorId: string, outcome: ProbeOutcome, stepMs = MINUTE): void {
    this.clock.advance(stepMs);
    this.engine.handleResult(monitorId, outcome);
  }

  kinds(): string[] {
    return this.incidents.map((e) => e.kind);
  }

  rows<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }
}

let dir: string;
let harnesses: Harness[];
const dbPath = (): string => join(dir, 'bot.sqlite');
const start = (catalog: Catalog, clock: FakeClock, options?: EngineOptions): Harness => {
  const h = new Harness(dbPath(), catalog, clock, options);
  harnesses.push(h);
  return h;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'detection-engine-'));
  harnesses = [];
});
afterEach(() => {
  for (const h of harnesses) if (h.db.open) h.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const github = buildCatalog({ services: [{ id: 'github' }] });

describe('DetectionEngine incident lifecycle', () => {
  it('opens exactly one incident on the second failure and stays quiet while it lasts', () => {
    const h = start(github, new FakeClock(T0));
    h.check('github-http', up());
    h.check('github-http', down());
    expect(h.incidents).toEqual([]);
    h.check('github-http', down());
    const openedAt = h.clock.now();
    for (let i = 0; i < 6; i++) h.check('github-http', down());

    expect(h.incidents).toEqual([
      {
        kind: 'opened',
        incidentId: expect.any(Number),
        serviceId: 'github',
        serviceName: 'Service github',
        group: null,
        severity: 'major',
        status: 'down',
        startedAt: openedAt,
        at: openedAt,
        evidence: [
          {
            kind: 'probe',
            monitorId: 'github-http',
            target: 'https://github-http.example/',
            state: 'down',
            reason: 'http-status',
            message: 'HTTP 503',
          },
        ],
      },
    ]);
  });

  it('resolves after two good checks with the duration since it opened', () => {
    const h = start(github, new FakeClock(T0));
    h.check('github-http', down());
    h.check('github-http', down());
    const openedAt = h.clock.now();
    h.check('github-http', down(), 10 * MINUTE);
    h.check('github-http', up());
    expect(h.kinds()).toEqual(['opened']);
    h.check('github-http', up());

    expect(h.kinds()).toEqual(['opened', 'resolved']);
    const resolved = h.incidents[1];
    expect(resolved).toMatchObject({
      incidentId: h.incidents[0]?.incidentId,
      status: 'up',
      severity: 'major',
      startedAt: openedAt,
      at: openedAt + 12 * MINUTE,
      durationMs: 12 * MINUTE,
    });
    expect(h.engine.openIncident('github')).toBeUndefined();
  });

  it("carries the probe's facts into the evidence it emits and stores, the latest check's", () => {
    const h = start(github, new FakeClock(T0));
    const withFacts = (statusCode: number): ProbeOutcome => ({
      ...down('http-status', `HTTP ${statusCode}`),
      facts: { statusCode },
    });
    h.check('github-http', withFacts(503));
    h.check('github-http', withFacts(502));
    expect(h.incidents[0]?.evidence).toEqual([
      expect.objectContaining({ reason: 'http-status', message: 'HTTP 502', facts: { statusCode: 502 } }),
    ]);
    const [stored] = h.rows<{ evidence_json: string }>('SELECT evidence_json FROM incidents');
    expect(JSON.parse(stored?.evidence_json ?? '[]')).toEqual(h.incidents[0]?.evidence);
    const [monitor] = h.rows<{ record_json: string }>('SELECT record_json FROM monitor_state');
    expect(JSON.parse(monitor?.record_json ?? 'null')).toMatchObject({ facts: { statusCode: 502 } });

    // A check without facts leaves none of the previous one's behind.
    h.check('github-http', down('timeout', 'no answer'));
    expect(h.incidents[1]?.evidence).toEqual([
      expect.not.objectContaining({ facts: expect.anything() as unknown }),
    ]);
  });

  it('emits an update when the failure reason changes, and not when only the message does', () => {
    const h = start(github, new FakeClock(T0));
    h.check('github-http', down('http-status', 'HTTP 503'));
    h.check('github-http', down('http-status', 'HTTP 503'));
    h.check('github-http', down('http-status', 'HTTP 502'));
    expect(h.kinds()).toEqual(['opened']);
    h.check('github-http', down('timeout', 'no answer in 10 s'));

    expect(h.kinds()).toEqual(['opened', 'updated']);
    expect(h.incidents[1]).toMatchObject({
      incidentId: h.incidents[0]?.incidentId,
      severity: 'major',
      evidence: [expect.objectContaining({ reason: 'timeout', message: 'no answer in 10 s' })],
    });
  });

  it('updates the severity when a degraded service goes down', () => {
    const catalog = buildCatalog({ services: [{ id: 'meta', probes: ['meta-dns', 'meta-http'] }] });
    const h = start(catalog, new FakeClock(T0));
    h.check('meta-dns', up());
    h.check('meta-http', up(), 0);
    h.check('meta-http', down());
    h.check('meta-http', down());
    expect(h.incidents.map((e) => [e.kind, e.severity])).toEqual([['opened', 'minor']]);
    h.check('meta-dns', down('dns-servfail', 'SERVFAIL'));
    h.check('meta-dns', down('dns-servfail', 'SERVFAIL'));

    expect(h.incidents.map((e) => [e.kind, e.severity, e.status])).toEqual([
      ['opened', 'minor', 'degraded'],
      ['updated', 'major', 'down'],
    ]);
  });
});

describe('DetectionEngine rows', () => {
  it('writes the incident, its events and the states it derives from', () => {
    const h = start(github, new FakeClock(T0));
    h.check('github-http', down());
    h.check('github-http', down());
    const openedAt = h.clock.now();
    const id = h.incidents[0]?.incidentId;

    expect(
      h.rows('SELECT id, service_id, severity, status, started_at, resolved_at, evidence_key FROM incidents'),
    ).toEqual([
      {
        id,
        service_id: 'github',
        severity: 'major',
        status: 'down',
        started_at: openedAt,
        resolved_at: null,
        evidence_key: 'p:github-http:down:http-status',
      },
    ]);
    expect(h.rows('SELECT service_id, status, since FROM service_state')).toEqual([
      { service_id: 'github', status: 'down', since: openedAt },
    ]);
    const [monitor] = h.rows<{ record_json: string; last_status: string; last_at: number }>(
      'SELECT record_json, last_status, last_at FROM monitor_state',
    );
    expect(monitor).toMatchObject({ last_status: 'down', last_at: openedAt });
    expect(JSON.parse(monitor?.record_json ?? 'null')).toMatchObject({
      state: 'down',
      since: openedAt,
      pending: null,
    });

    h.check('github-http', up());
    h.check('github-http', up());
    const resolvedAt = h.clock.now();
    expect(h.rows('SELECT status, resolved_at, updated_at FROM incidents')).toEqual([
      { status: 'up', resolved_at: resolvedAt, updated_at: resolvedAt },
    ]);
    const events = h.rows<{ incident_id: number; kind: string; at: number; payload_json: string }>(
      'SELECT incident_id, kind, at, payload_json FROM incident_events ORDER BY id',
    );
    expect(events.map(({ incident_id, kind, at }) => ({ incident_id, kind, at }))).toEqual([
      { incident_id: id, kind: 'opened', at: openedAt },
      { incident_id: id, kind: 'resolved', at: resolvedAt },
    ]);
    expect(events.map((e) => JSON.parse(e.payload_json) as unknown)).toEqual(h.incidents);
    expect(h.rows('SELECT service_id, status, since FROM service_state')).toEqual([
      { service_id: 'github', status: 'up', since: resolvedAt },
    ]);
  });

  it('appends every check to the hourly chunk and keeps failure messages', () => {
    const h = start(github, new FakeClock(T0));
    h.check('github-http', up(80));
    h.check('github-http', down('timeout', 'no answer in 10 s'));
    h.check('github-http', up(95));
    const ref = h.store.monitorRef('github-http');
    const [chunk] = h.rows<{ hour: number; data: Buffer }>(
      'SELECT hour, data FROM check_chunks WHERE monitor_ref = ?',
      ref,
    );
    expect(decodeChunk(chunk?.hour ?? 0, chunk?.data ?? Buffer.alloc(0))).toEqual([
      { at: T0 + MINUTE, status: 'up', reason: 'ok', latencyMs: 80 },
      { at: T0 + 2 * MINUTE, status: 'down', reason: 'timeout', latencyMs: null },
      { at: T0 + 3 * MINUTE, status: 'up', reason: 'ok', latencyMs: 95 },
    ]);
    expect(h.rows('SELECT at, message FROM check_failures')).toEqual([
      { at: T0 + 2 * MINUTE, message: 'no answer in 10 s' },
    ]);
  });
});

describe('DetectionEngine restart', () => {
  it('does not re-announce an ongoing incident, and measures the recovery from the original start', () => {
    const clock = new FakeClock(T0);
    const first = start(github, clock);
    first.check('github-http', down());
    first.check('github-http', down());
    const openedAt = clock.now();
    const id = first.incidents[0]?.incidentId;
    first.db.close();

    clock.advance(30 * MINUTE);
    const second = start(github, clock);
    expect(second.engine.openIncident('github')).toMatchObject({ id, startedAt: openedAt, resolvedAt: null });
    expect(second.engine.serviceState('github')?.status).toBe('down');
    second.check('github-http', down());
    second.check('github-http', down());
    expect(second.incidents).toEqual([]);
    expect(second.operator).toEqual([]);

    second.check('github-http', up());
    second.check('github-http', up());
    expect(second.incidents).toEqual([
      expect.objectContaining({
        kind: 'resolved',
        incidentId: id,
        startedAt: openedAt,
        durationMs: 34 * MINUTE,
      }),
    ]);
    expect(second.rows('SELECT kind FROM incident_events ORDER BY id')).toEqual([
      { kind: 'opened' },
      { kind: 'resolved' },
    ]);
  });

  it("keeps the probes' facts across a restart: a later update says them in each language", () => {
    const catalog = buildCatalog({ services: [{ id: 'github', probes: ['github-http', 'github-dns'] }] });
    const clock = new FakeClock(T0);
    const first = start(catalog, clock);
    const http503: ProbeOutcome = { ...down('http-status', 'HTTP 503'), facts: { statusCode: 503 } };
    first.check('github-http', http503);
    first.check('github-http', http503);
    expect(first.kinds()).toEqual(['opened']);
    first.db.close();

    const second = start(catalog, clock);
    expect(second.engine.monitorRecord('github-http')?.facts).toEqual({ statusCode: 503 });
    expect(second.engine.serviceState('github')?.evidence).toEqual([
      expect.objectContaining({ monitorId: 'github-http', facts: { statusCode: 503 } }),
    ]);
    // The other probe fails too: the update's evidence has the restored record's facts beside its own.
    const dnsTimeout: ProbeOutcome = {
      ...down('dns-timeout', 'no answer within 2000 ms'),
      latencyMs: null,
      facts: { timeoutMs: 2000 },
    };
    second.check('github-dns', dnsTimeout);
    second.check('github-dns', dnsTimeout);
    const update = second.incidents.find((e) => e.kind === 'updated');
    expect(update?.evidence).toEqual([
      expect.objectContaining({ monitorId: 'github-http', facts: { statusCode: 503 } }),
      expect.objectContaining({ monitorId: 'github-dns', facts: { timeoutMs: 2000 } }),
    ]);
    const lines = (locale: 'en' | 'bn' | 'hi') =>
      describeEvidence(update?.evidence ?? [], 'GitHub', messagesFor(locale));
    expect(lines('en')).toEqual([
      expect.stringMatching(/: HTTP 503$/),
      expect.stringMatching(/: DNS: no answer in 2 seconds$/),
    ]);
    expect(lines('bn')[0]).toMatch(/HTTP ৫০৩$/);
    expect(lines('hi')[0]).toMatch(/HTTP ५०३$/);
    for (const line of [...lines('bn'), ...lines('hi')]) expect(line).not.toMatch(/no answer|within/);
  });

  it('reads monitor records and evidence stored before probes gave facts after a restart', () => {
    const catalog = buildCatalog({ services: [{ id: 'github', probes: ['github-http', 'github-dns'] }] });
    const clock = new FakeClock(T0);
    const first = start(catalog, clock);
    first.check('github-http', down('http-status', 'HTTP 503'));
    first.check('github-http', down('http-status', 'HTTP 503'));
    first.db.close();

    const second = start(catalog, clock);
    expect(second.engine.monitorRecord('github-http')).not.toHaveProperty('facts');
    second.check('github-dns', down('dns-timeout', 'no answer'));
    second.check('github-dns', down('dns-timeout', 'no answer'));
    const update = second.incidents.find((e) => e.kind === 'updated');
    expect(update?.evidence[0]).not.toHaveProperty('facts');
    // The reason in the chat's language, the stored English message as its detail.
    expect(describeEvidence(update?.evidence ?? [], 'GitHub', messagesFor('hi'))[0]).toMatch(/\(HTTP 503\)$/);
  });

  it('keeps a pending failure streak across a restart', () => {
    const clock = new FakeClock(T0);
    const first = start(github, clock);
    first.check('github-http', up());
    first.check('github-http', down());
    first.db.close();

    const second = start(github, clock);
    second.check('github-http', down());
    expect(second.kinds()).toEqual(['opened']);
  });

  it('does not re-announce an incident backed by an official source when a probe checks first after restart', () => {
    const catalog = buildCatalog({ services: [{ id: 'slack', officials: ['slack-status'] }] });
    const official = (): ProbeOutcome => ({
      status: 'degraded',
      reason: 'official-incident',
      message: 'Slack reports an incident',
      latencyMs: 210,
      evidence: ['Some users cannot send messages'],
    });
    const clock = new FakeClock(T0);
    const first = start(catalog, clock);
    first.check('slack-http', up());
    first.check('slack-status', official(), 0);
    first.check('slack-status', official());
    expect(first.kinds()).toEqual(['opened']);
    first.db.close();

    const second = start(catalog, clock);
    second.check('slack-http', up());
    second.check('slack-status', official(), 0);
    expect(second.incidents).toEqual([]);
  });

  it('reopens the incident resolved before a restart when the failure returns within the cool-down', () => {
    const clock = new FakeClock(T0);
    const first = start(github, clock);
    for (const o of [down(), down(), up(), up()]) first.check('github-http', o);
    const id = first.incidents[0]?.incidentId;
    first.db.close();

    const second = start(github, clock);
    second.check('github-http', down());
    second.check('github-http', down());
    expect(second.incidents).toEqual([expect.objectContaining({ kind: 'reopened', incidentId: id })]);
  });
});

describe('DetectionEngine cool-down', () => {
  it('reopens the same incident when the service fails again within the cool-down', () => {
    const h = start(github, new FakeClock(T0));
    for (const o of [down(), down()]) h.check('github-http', o);
    const openedAt = h.clock.now();
    for (const o of [up(), up(), down(), down()]) h.check('github-http', o);

    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened']);
    const id = h.incidents[0]?.incidentId;
    expect(h.incidents[2]).toMatchObject({ incidentId: id, startedAt: openedAt, severity: 'major' });
    expect(h.rows('SELECT id, resolved_at, started_at FROM incidents')).toEqual([
      { id, resolved_at: null, started_at: openedAt },
    ]);

    // The recovery ends the outage that reopened it: its duration runs from the reopening.
    const reopenedAt = h.incidents[2]?.at ?? 0;
    for (const o of [up(), up()]) h.check('github-http', o);
    expect(h.incidents[3]).toMatchObject({
      kind: 'resolved',
      incidentId: id,
      startedAt: openedAt,
      durationMs: h.clock.now() - reopenedAt,
    });
  });

  it('measures a reopened incident from its reopening after a restart too', () => {
    const h = start(github, new FakeClock(T0));
    for (const o of [down(), down(), up(), up(), down(), down()]) h.check('github-http', o);
    const reopenedAt = h.incidents[2]?.at ?? 0;
    h.db.close();
    const after = start(github, h.clock);
    for (const o of [up(), up()]) after.check('github-http', o);
    expect(after.incidents).toEqual([
      expect.objectContaining({ kind: 'resolved', durationMs: after.clock.now() - reopenedAt }),
    ]);
  });

  it('opens a new incident when the service fails again after the cool-down', () => {
    const h = start(github, new FakeClock(T0));
    for (const o of [down(), down(), up(), up()]) h.check('github-http', o);
    h.check('github-http', down(), DEFAULT_REOPEN_COOLDOWN_MS);
    h.check('github-http', down());

    expect(h.kinds()).toEqual(['opened', 'resolved', 'opened']);
    expect(h.incidents[2]?.incidentId).not.toBe(h.incidents[0]?.incidentId);
    expect(h.rows('SELECT COUNT(*) AS n FROM incidents')).toEqual([{ n: 2 }]);
  });

  it('uses the configured cool-down', () => {
    const h = start(github, new FakeClock(T0), { ...OPTIONS, reopenCooldownMs: 3 * MINUTE });
    for (const o of [down(), down(), up(), up()]) h.check('github-http', o);
    // Two failures a minute apart, three minutes after the recovery: a new incident.
    h.check('github-http', down(), 2 * MINUTE);
    h.check('github-http', down());
    expect(h.kinds()).toEqual(['opened', 'resolved', 'opened']);
  });
});

describe('DetectionEngine vantage point', () => {
  const withControl = buildCatalog({ services: [{ id: 'github' }], controls: ['control-1'] });

  it('does not count service failures while the control target fails, and tells only the operator', () => {
    const h = start(withControl, new FakeClock(T0));
    h.check('github-http', down(), 10_000);
    h.check('control-1', down('unreachable', 'network unreachable'), 10_000);
    for (let i = 0; i < 5; i++) {
      h.check('github-http', down('unreachable', 'network unreachable'), 10_000);
      h.check('control-1', down('unreachable', 'network unreachable'), 10_000);
    }
    expect(h.incidents).toEqual([]);
    expect(h.rows('SELECT COUNT(*) AS n FROM incidents')).toEqual([{ n: 0 }]);
    expect(h.engine.monitorRecord('github-http')).toMatchObject({ state: 'unknown', pending: null });
    expect(h.operator).toEqual([
      {
        kind: 'vantage-lost',
        cause: 'control-failing',
        detail: '1/1 control targets failing',
        at: T0 + 20_000,
      },
    ]);

    h.check('control-1', up(), 10_000);
    expect(h.operator.map((e) => e.kind)).toEqual(['vantage-lost', 'vantage-restored']);
    // The failure before the vantage loss was forgotten: one more failure does not open an incident.
    h.check('github-http', down(), 10_000);
    expect(h.incidents).toEqual([]);
    // A second failure confirms, but the guard has not seen the control since the failures began.
    h.check('github-http', down(), 10_000);
    expect(h.incidents).toEqual([]);
    h.check('control-1', up(), 10_000);
    h.check('github-http', down(), 10_000);
    expect(h.kinds()).toEqual(['opened']);
  });

  it.each([0, 1000])(
    'does not announce a mass failure of six services per service (%i ms between results)',
    (spacingMs) => {
      const ids = ['github', 'gitlab', 'slack', 'discord', 'zoom', 'notion'];
      const catalog = buildCatalog({ services: ids.map((id) => ({ id })) });
      const h = start(catalog, new FakeClock(T0));
      // Each monitor is checked once a minute, the round being one minute too.
      const round = (outcome: ProbeOutcome): void => {
        h.clock.advance(MINUTE - ids.length * spacingMs);
        for (const id of ids) h.check(`${id}-http`, outcome, spacingMs);
      };
      round(up());
      for (let i = 0; i < 4; i++) round(down('timeout', 'no answer'));
      expect(h.incidents).toEqual([]);
      expect(h.rows('SELECT COUNT(*) AS n FROM incidents')).toEqual([{ n: 0 }]);
      expect(h.operator).toEqual([expect.objectContaining({ kind: 'vantage-lost', cause: 'mass-failure' })]);
    },
  );

  it('still announces a failure of one service among many', () => {
    const ids = ['github', 'gitlab', 'slack', 'discord', 'zoom', 'notion'];
    const catalog = buildCatalog({ services: ids.map((id) => ({ id })) });
    const h = start(catalog, new FakeClock(T0));
    for (let round = 0; round < 3; round++) {
      h.clock.advance(MINUTE);
      for (const id of ids) h.check(`${id}-http`, id === 'slack' ? down() : up(), 1000);
    }
    expect(h.incidents.map((e) => [e.kind, e.serviceId])).toEqual([['opened', 'slack']]);
    expect(h.operator).toEqual([]);
  });

  it('counts services of one group as one unit', () => {
    const meta = ['facebook', 'instagram', 'whatsapp', 'messenger', 'threads'];
    const catalog = buildCatalog({ services: meta.map((id) => ({ id, group: 'meta' })) });
    const h = start(catalog, new FakeClock(T0));
    for (let round = 0; round < 2; round++) {
      h.clock.advance(MINUTE);
      for (const id of meta) h.check(`${id}-http`, down(), 1000);
    }
    expect(h.operator).toEqual([]);
    expect(h.incidents.map((e) => [e.kind, e.serviceId, e.group])).toEqual(
      meta.map((id) => ['opened', id, 'meta']),
    );
  });
});

describe('DetectionEngine flapping', () => {
  const catalog = buildCatalog({
    services: [{ id: 'github' }],
    monitor: { confirm: { down: 1, up: 1 }, flap: { changes: 3, windowMs: 30 * MINUTE } },
  });
  const unstable = {
    kind: 'unstable',
    monitorId: 'github-http',
    target: 'https://github-http.example/',
    changes: 4,
    windowMs: 30 * MINUTE,
  };

  it('tells the chat once that the service is unstable, then resolves it once the monitor has settled up', () => {
    const h = start(catalog, new FakeClock(T0));
    for (const o of [up(), down(), up(), down()]) h.check('github-http', o);
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened']);
    const reopenedAt = h.clock.now();

    // The fourth change makes it flapping: the open incident is updated once, whatever comes next.
    h.check('github-http', up());
    expect(h.incidents[3]).toMatchObject({
      kind: 'updated',
      status: 'degraded',
      severity: 'minor',
      evidence: [unstable],
    });
    expect(h.engine.serviceState('github')).toMatchObject({ status: 'degraded', evidence: [unstable] });
    for (const o of [down(), up(), down(), up()]) h.check('github-http', o);
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened', 'updated']);
    expect(h.operator).toEqual([{ kind: 'monitor-flapping', monitorId: 'github-http', at: T0 + 5 * MINUTE }]);

    // Steady: five good checks over five minutes settle it long before a whole quiet window.
    for (let i = 0; i < 5; i++) h.check('github-http', up());
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened', 'updated']);
    h.check('github-http', up());
    expect(h.operator.map((e) => [e.kind, e.at])).toEqual([
      ['monitor-flapping', T0 + 5 * MINUTE],
      ['monitor-settled', h.clock.now()],
    ]);
    expect(h.incidents[4]).toMatchObject({ kind: 'resolved', durationMs: h.clock.now() - reopenedAt });
    expect(h.engine.openIncident('github')).toBeUndefined();
    expect(h.rows('SELECT COUNT(*) AS n FROM incidents WHERE resolved_at IS NULL')).toEqual([{ n: 0 }]);
  });

  it('turns the unstable incident into an outage when the monitor settles down', () => {
    const h = start(catalog, new FakeClock(T0));
    for (const o of [up(), down(), up(), down(), up(), down()]) h.check('github-http', o);
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened', 'updated']);
    for (let i = 0; i < 6; i++) h.check('github-http', down());
    expect(h.incidents.at(-1)).toMatchObject({ kind: 'updated', status: 'down', severity: 'major' });
    expect(h.engine.openIncident('github')).toBeDefined();
    for (const o of [up(), up()]) h.check('github-http', o);
    expect(h.incidents.at(-1)).toMatchObject({ kind: 'resolved' });
    expect(h.engine.openIncident('github')).toBeUndefined();
  });

  it('alerts once, as unstable, when the monitor flaps again soon after it settled', () => {
    const h = start(catalog, new FakeClock(T0));
    for (const o of [up(), down(), up(), down(), up()]) h.check('github-http', o);
    for (let i = 0; i < 6; i++) h.check('github-http', up());
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened', 'updated', 'resolved']);
    // Its recent changes still count: one more is flapping again, told once as the incident reopening.
    for (const o of [down(), up(), down()]) h.check('github-http', o);
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened', 'updated', 'resolved', 'reopened']);
    expect(h.incidents.at(-1)).toMatchObject({ status: 'degraded', evidence: [{ kind: 'unstable' }] });
  });

  it('settles after a whole quiet window even without enough steady checks', () => {
    const h = start(catalog, new FakeClock(T0));
    for (const o of [up(), down(), up(), down(), up()]) h.check('github-http', o);
    h.check('github-http', up(), 30 * MINUTE);
    expect(h.operator.map((e) => e.kind)).toEqual(['monitor-flapping', 'monitor-settled']);
    expect(h.kinds()).toEqual(['opened', 'resolved', 'reopened', 'updated', 'resolved']);
  });
});

describe('DetectionEngine slow flapping', () => {
  /** Down 3 minutes in every 12 for 3 hours, then up for an hour; checked every minute. */
  const run = (flap: { changes: number; windowMs: number }) => {
    const catalog = buildCatalog({
      services: [{ id: 'github' }],
      monitor: { confirm: { down: 2, up: 2 }, flap },
    });
    const h = start(catalog, new FakeClock(T0));
    for (let minute = 0; minute < 4 * 60; minute++)
      h.check('github-http', minute < 3 * 60 && minute % 12 < 3 ? down() : up());
    return h;
  };

  it('keeps a flap slower than the early settle as one quiet unstable incident, resolved once the noise stops', () => {
    const h = run({ changes: 5, windowMs: 30 * MINUTE });
    const withoutFlapDetection = run({ changes: 1_000_000, windowMs: 30 * MINUTE });
    // Without flap detection: down and back up, twice per cycle, 15 cycles.
    expect(withoutFlapDetection.incidents).toHaveLength(30);
    // Down and back up until the changes count as flapping (8), unstable, settled early and back up,
    // unstable again at once (the relapse), then silence until the noise stops: 42 before.
    expect(h.incidents.length).toBeLessThanOrEqual(11);
    const unstableNews = h.incidents.filter(
      (e) => e.kind !== 'resolved' && e.evidence.some((x) => x.kind === 'unstable'),
    );
    expect(unstableNews.length).toBeLessThanOrEqual(2);
    // The operator hears of the first bout and of the relapse, not of every cycle.
    expect(h.operator.filter((e) => e.kind === 'monitor-flapping').length).toBeLessThanOrEqual(2);
    // The noise stopped at 3 h: the incident closes after a whole quiet window.
    expect(h.incidents.at(-1)).toMatchObject({ kind: 'resolved' });
    expect(h.incidents.at(-1)?.at).toBeLessThanOrEqual(T0 + 3 * 60 * MINUTE + 40 * MINUTE);
    expect(h.engine.openIncident('github')).toBeUndefined();
  });
});

describe('DetectionEngine incidents whose evidence is gone', () => {
  const unknownOutcome: ProbeOutcome = {
    status: 'unknown',
    reason: 'ok',
    message: 'aborted',
    latencyMs: null,
  };

  it('resolves a crowd-only incident of a service with no monitors once the crowd is quiet', () => {
    const catalog: Catalog = {
      services: [{ id: 'bkash', name: 'bKash', group: null, quorum: null, crowd: true, monitorIds: [] }],
      monitors: [],
    };
    const h = start(catalog, new FakeClock(T0));
    h.engine.setCrowd('bkash', { level: 'possible', reporters: 12, since: T0 });
    expect(h.kinds()).toEqual(['opened']);
    h.clock.advance(20 * MINUTE);
    h.engine.setCrowd('bkash', { level: 'none', reporters: 0 });
    expect(h.kinds()).toEqual(['opened', 'resolved']);
    expect(h.engine.openIncident('bkash')).toBeUndefined();
  });

  it('resolves, as no longer confirmed, a crowd incident whose monitors only ever return unknown', () => {
    const catalog = buildCatalog({ services: [{ id: 'bkash', crowd: true }] });
    const h = start(catalog, new FakeClock(T0));
    h.check('bkash-http', unknownOutcome);
    h.engine.setCrowd('bkash', { level: 'possible', reporters: 12, since: h.clock.now() });
    expect(h.kinds()).toEqual(['opened']);
    h.clock.advance(20 * MINUTE);
    h.engine.setCrowd('bkash', { level: 'none', reporters: 0 });
    const quietAt = h.clock.now();
    expect(h.kinds()).toEqual(['opened']);
    while (h.clock.now() < quietAt + 29 * MINUTE) h.check('bkash-http', unknownOutcome);
    expect(h.kinds()).toEqual(['opened']);
    for (let i = 0; i < 2; i++) h.check('bkash-http', unknownOutcome);
    expect(h.kinds()).toEqual(['opened', 'resolved']);
    expect(h.incidents.at(-1)).toMatchObject({ kind: 'resolved', status: 'unknown' });
    expect(h.engine.openIncident('bkash')).toBeUndefined();
  });
});

describe('DetectionEngine crowd input', () => {
  const crowdCatalog = buildCatalog({
    services: [{ id: 'whatsapp', probes: ['wa-http', 'wa-dns'], crowd: true }],
  });

  it('turns one failing probe plus a detected crowd spike into a major incident', () => {
    const h = start(crowdCatalog, new FakeClock(T0));
    h.check('wa-dns', up());
    h.check('wa-http', down(), 0);
    h.check('wa-http', down());
    expect(h.incidents.map((e) => [e.kind, e.severity])).toEqual([['opened', 'minor']]);
    h.clock.advance(MINUTE);
    h.engine.setCrowd('whatsapp', { level: 'detected', reporters: 48 });

    expect(h.incidents.map((e) => [e.kind, e.severity])).toEqual([
      ['opened', 'minor'],
      ['updated', 'major'],
    ]);
    expect(h.incidents[1]?.evidence.map((e) => e.kind)).toEqual(['probe', 'crowd']);
    expect(h.rows('SELECT COUNT(*) AS n FROM check_chunks')).toEqual([{ n: 2 }]);
  });

  it('ignores crowd input for a service without crowd reports', () => {
    const h = start(github, new FakeClock(T0));
    h.engine.setCrowd('github', { level: 'detected', reporters: 99 });
    expect(h.incidents).toEqual([]);
    expect(h.engine.serviceState('github')?.status).toBe('unknown');
  });
});

describe('DetectionEngine commit', () => {
  it('persists nothing of a commit whose incident hook throws', () => {
    const h = start(github, new FakeClock(T0));
    let failing = true;
    h.store.addIncidentHook(() => {
      if (failing) throw new Error('outbox full');
    });
    h.check('github-http', down());
    expect(() => h.check('github-http', down())).toThrow('outbox full');

    expect(h.incidents).toEqual([]);
    expect(h.rows('SELECT * FROM incidents')).toEqual([]);
    expect(h.rows('SELECT * FROM incident_events')).toEqual([]);
    expect(h.rows('SELECT * FROM service_state')).toEqual([]);
    const [chunk] = h.rows<{ hour: number; data: Buffer }>('SELECT hour, data FROM check_chunks');
    expect(decodeChunk(chunk?.hour ?? 0, chunk?.data ?? Buffer.alloc(0))).toHaveLength(1);
    expect(h.rows('SELECT COUNT(*) AS n FROM check_failures')).toEqual([{ n: 1 }]);
    const [monitor] = h.rows<{ record_json: string }>('SELECT record_json FROM monitor_state');
    expect(JSON.parse(monitor?.record_json ?? 'null')).toMatchObject({
      state: 'unknown',
      pending: { count: 1 },
    });

    failing = false;
    h.check('github-http', down());
    expect(h.kinds()).toEqual(['opened']);
    expect(h.rows('SELECT COUNT(*) AS n FROM incidents')).toEqual([{ n: 1 }]);
  });

  it('ignores results of monitors that are not in the catalog', () => {
    const h = start(github, new FakeClock(T0));
    h.check('removed-monitor', down());
    expect(h.rows('SELECT COUNT(*) AS n FROM check_chunks')).toEqual([{ n: 0 }]);
  });
});

describe('DetectionEngine learned confirmation (confirm.down: auto)', () => {
  const AUTO = { confirm: DEFAULT_CONFIRM, timeoutMs: 10_000 } as const;
  const STEP = 2000; // re-checks come seconds apart
  /** A down streak must span 30 s at a 60 s interval (minStreakSpanMs): failures this far apart. */
  const SPAN_STEP = 30_000;

  /** Failed checks, SPAN_STEP apart, until the first incident event; how many it took. */
  function failuresToAlert(h: Harness, monitorId: string): number {
    for (let i = 1; i <= 20; i++) {
      h.check(monitorId, down(), SPAN_STEP);
      if (h.incidents.length > 0) return i;
    }
    return Number.POSITIVE_INFINITY;
  }

  it('alerts a fresh monitor within the detection target, a clean one after learning on 2', () => {
    const clock = new FakeClock(T0);
    const catalog = buildCatalog({ services: [{ id: 'github' }], monitor: AUTO });
    const h = start(catalog, clock);
    expect(h.engine.downConfirmation('github-http')).toMatchObject({ needed: 8, learned: true });
    expect(failuresToAlert(h, 'github-http')).toBe(8);
    expect(h.engine.pendingFailures('github-http')).toBe(0);
  });

  it('learns from good checks across a restart: two days of clean checks and two failures alert', () => {
    const clock = new FakeClock(T0);
    const catalog = buildCatalog({ services: [{ id: 'github' }], monitor: AUTO });
    const first = start(catalog, clock);
    for (let i = 0; i < 2 * 24 * 60; i++) first.check('github-http', up());
    first.store.flush();
    first.db.close();
    const h = start(catalog, clock);
    expect(h.engine.downConfirmation('github-http')).toMatchObject({ needed: 2, budgetMet: true });
    h.check('github-http', down(), SPAN_STEP);
    expect(h.engine.pendingFailures('github-http')).toBe(1);
    expect(failuresToAlert(h, 'github-http')).toBe(1);
    expect(h.kinds()).toEqual(['opened']);
  });

  it('starts a failure streak again after a restart longer than the gap between results', () => {
    const clock = new FakeClock(T0);
    const catalog = buildCatalog({ services: [{ id: 'github' }] }); // fixed confirm.down 2
    const first = start(catalog, clock);
    first.check('github-http', up());
    first.check('github-http', down());
    expect(first.engine.monitorRecord('github-http')?.pending).toMatchObject({ count: 1 });
    first.store.flush();
    first.db.close();
    clock.advance(10 * MINUTE);
    const h = start(catalog, clock);
    expect(h.engine.monitorRecord('github-http')?.pending).toBeNull();
    h.check('github-http', down());
    expect(h.incidents).toEqual([]);
    h.check('github-http', down());
    expect(h.kinds()).toEqual(['opened']);
  });

  it('makes a monitor failing 5 % of its checks wait for more failures', () => {
    const clock = new FakeClock(T0);
    const catalog = buildCatalog({ services: [{ id: 'github' }], monitor: AUTO });
    const h = start(catalog, clock);
    // Two days of checks, one in twenty failing on its own (each followed by a good re-check).
    for (let i = 0; i < 2 * 24 * 60; i++) {
      if (i % 20 === 0) {
        h.check('github-http', down(), MINUTE);
        h.check('github-http', up(), STEP);
      } else h.check('github-http', up());
    }
    expect(h.incidents).toEqual([]);
    const needed = h.engine.downConfirmation('github-http')?.needed ?? 0;
    expect(needed).toBeGreaterThanOrEqual(4);
    expect(failuresToAlert(h, 'github-http')).toBe(needed);
  });

  it('confirms official sources on 2: they state, they do not sample', () => {
    const clock = new FakeClock(T0);
    const catalog = buildCatalog({
      services: [{ id: 'github', probes: [], officials: ['github-status'] }],
      monitor: AUTO,
    });
    const h = start(catalog, clock);
    expect(h.engine.downConfirmation('github-status')).toMatchObject({ needed: 2, learned: false });
    expect(failuresToAlert(h, 'github-status')).toBe(2);
  });
});
