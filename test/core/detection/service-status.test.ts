import { describe, expect, it } from 'vitest';
import {
  type CrowdView,
  type FusionInput,
  type MonitorView,
  defaultQuorum,
  fuseServiceStatus,
} from '../../../src/core/detection/service-status.js';
import type { State } from '../../../src/core/model.js';
import { readDocTable } from '../../helpers/doc-table.js';

const probe = (id: string, state: State, extra: Partial<MonitorView> = {}): MonitorView => ({
  id,
  role: 'probe',
  target: `${id}.example:443`,
  state,
  flapping: false,
  reason: state === 'up' ? 'ok' : state === 'degraded' ? 'slow' : 'timeout',
  message: `${id} is ${state}`,
  ...extra,
});
const official = (id: string, state: State, lines?: string[]): MonitorView => ({
  id,
  role: 'official',
  target: `https://status.${id}.example/`,
  state,
  flapping: false,
  reason: state === 'up' ? 'ok' : state === 'maintenance' ? 'official-maintenance' : 'official-incident',
  message: `official says ${state}`,
  ...(lines ? { evidence: lines } : {}),
});
const crowd = (level: CrowdView['level'], reporters = 40): CrowdView => ({ level, reporters });

/** Inputs where each rule of the doc-comment table is the first one to match. */
const RULE_CASES: Record<string, { name: string; input: FusionInput }[]> = {
  '1': [
    {
      name: 'configured window while probes are down',
      input: { monitors: [probe('a', 'down'), probe('b', 'down')], inMaintenanceWindow: true },
    },
    {
      name: 'a configured window beats an official outage',
      input: { monitors: [official('sp', 'down'), probe('a', 'down')], inMaintenanceWindow: true },
    },
    {
      name: 'a configured window beats the crowd and flapping',
      input: {
        monitors: [probe('a', 'down', { flapping: true }), probe('b', 'down')],
        crowd: crowd('detected'),
        inMaintenanceWindow: true,
      },
    },
  ],
  '2': [
    { name: 'official down, probes up', input: { monitors: [official('sp', 'down'), probe('a', 'up')] } },
    {
      name: 'official down beats official maintenance',
      input: { monitors: [official('sp', 'down'), official('sp2', 'maintenance')] },
    },
  ],
  '3': [
    { name: 'official maintenance', input: { monitors: [official('sp', 'maintenance'), probe('a', 'up')] } },
    {
      name: 'official maintenance while probes are down',
      input: { monitors: [official('sp', 'maintenance'), probe('a', 'down')] },
    },
  ],
  '4': [
    {
      name: '2 of 3 probes down',
      input: { monitors: [probe('a', 'down'), probe('b', 'down'), probe('c', 'up')] },
    },
    { name: 'the only probe down', input: { monitors: [probe('a', 'down')] } },
  ],
  '5': [
    {
      name: '1 of 3 probes down, crowd detected',
      input: { monitors: [probe('a', 'down'), probe('b', 'up'), probe('c', 'up')], crowd: crowd('detected') },
    },
  ],
  '6': [
    { name: '1 of 2 probes down', input: { monitors: [probe('a', 'down'), probe('b', 'up')] } },
    { name: 'a probe degraded', input: { monitors: [probe('a', 'degraded')] } },
    { name: 'official degraded', input: { monitors: [official('sp', 'degraded'), probe('a', 'up')] } },
    { name: 'crowd possible alone', input: { monitors: [probe('a', 'up')], crowd: crowd('possible') } },
    { name: 'crowd detected alone', input: { monitors: [probe('a', 'up')], crowd: crowd('detected') } },
    { name: 'crowd detected, no active monitor', input: { monitors: [], crowd: crowd('detected') } },
    { name: 'the only probe flapping', input: { monitors: [probe('a', 'up', { flapping: true })] } },
    {
      name: 'a flapping probe, the others up',
      input: { monitors: [probe('a', 'down', { flapping: true }), probe('b', 'up')] },
    },
  ],
  '7': [
    { name: 'all monitors unknown', input: { monitors: [probe('a', 'unknown'), official('sp', 'unknown')] } },
    {
      name: 'crowd none counts as no evidence',
      input: { monitors: [probe('a', 'unknown')], crowd: crowd('none', 0) },
    },
  ],
  '8': [
    { name: 'no monitors (crowd reports only), nobody complains', input: { monitors: [] } },
    { name: 'no monitors, crowd none', input: { monitors: [], crowd: crowd('none', 0) } },
    {
      name: 'all probes up',
      input: { monitors: [probe('a', 'up'), probe('b', 'up'), official('sp', 'up')] },
    },
    { name: 'official up alone', input: { monitors: [official('sp', 'up')] } },
  ],
};

describe('fuseServiceStatus', () => {
  const table = readDocTable(
    new URL('../../../src/core/detection/service-status.ts', import.meta.url),
    'fuseServiceStatus',
  ).map(([rule = '', condition = '', status = '']) => ({ rule, condition, status }));

  it('has test inputs for every rule of its doc-comment table and no other', () => {
    expect(table.map((r) => r.rule)).toEqual(Object.keys(RULE_CASES));
  });

  it.each(table)('rule $rule: $condition → $status', ({ rule, status }) => {
    for (const { name, input } of RULE_CASES[rule] ?? []) {
      expect(fuseServiceStatus(input).status, name).toBe(status);
    }
  });
});

describe('fuseServiceStatus quorum', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ])('by default needs more than half: %i probes → %i', (probes, quorum) => {
    expect(defaultQuorum(probes)).toBe(quorum);
  });

  it.each([
    { probes: 3, down: 1, status: 'degraded' },
    { probes: 3, down: 2, status: 'down' },
    { probes: 4, down: 2, status: 'degraded' },
    { probes: 4, down: 3, status: 'down' },
  ])('default quorum: $down of $probes probes down → $status', ({ probes, down, status }) => {
    const monitors = Array.from({ length: probes }, (_, i) => probe(`p${i}`, i < down ? 'down' : 'up'));
    expect(fuseServiceStatus({ monitors }).status).toBe(status);
  });

  it.each([
    { quorum: 1, down: 1, status: 'down' },
    { quorum: 3, down: 2, status: 'degraded' },
    { quorum: 3, down: 3, status: 'down' },
  ])('explicit quorum $quorum: $down of 3 probes down → $status', ({ quorum, down, status }) => {
    const monitors = Array.from({ length: 3 }, (_, i) => probe(`p${i}`, i < down ? 'down' : 'up'));
    expect(fuseServiceStatus({ monitors, quorum }).status).toBe(status);
  });

  it('caps an explicit quorum at the number of active probes', () => {
    const monitors = [probe('a', 'down'), probe('b', 'down'), probe('c', 'unknown')];
    expect(fuseServiceStatus({ monitors, quorum: 3 }).status).toBe('down');
  });

  it('does not count official monitors towards the probe quorum', () => {
    const monitors = [probe('a', 'down'), probe('b', 'up'), official('sp', 'up'), official('sp2', 'up')];
    expect(fuseServiceStatus({ monitors }).status).toBe('degraded');
  });
});

describe('fuseServiceStatus inactive monitors', () => {
  const flappy = { flapping: true, flapChanges: 6, flapWindowMs: 1_800_000 } as const;

  it('calls a service with a flapping probe unstable (degraded), whatever state the probe is in now', () => {
    for (const state of ['down', 'up'] as const) {
      const monitors = [probe('a', state, flappy), probe('b', 'up')];
      expect(fuseServiceStatus({ monitors })).toEqual({
        status: 'degraded',
        evidence: [
          { kind: 'unstable', monitorId: 'a', target: 'a.example:443', changes: 6, windowMs: 1_800_000 },
        ],
      });
    }
  });

  it('does not let a flapping probe that is down make up a quorum', () => {
    const monitors = [probe('a', 'down', flappy), probe('b', 'down'), probe('c', 'up'), probe('d', 'up')];
    expect(fuseServiceStatus({ monitors }).status).toBe('degraded');
  });

  it('does not let a flapping probe that is up clear the others', () => {
    const monitors = [probe('a', 'up', { flapping: true }), probe('b', 'down')];
    expect(fuseServiceStatus({ monitors }).status).toBe('down');
  });

  it('does not let an unknown probe dilute the quorum', () => {
    const monitors = [probe('a', 'unknown'), probe('b', 'unknown'), probe('c', 'down')];
    expect(fuseServiceStatus({ monitors }).status).toBe('down');
  });

  it('calls a service with a flapping official source unstable, not down', () => {
    const monitors = [{ ...official('sp', 'down'), flapping: true }, probe('a', 'up')];
    const verdict = fuseServiceStatus({ monitors });
    expect(verdict.status).toBe('degraded');
    expect(verdict.evidence.map((e) => e.kind)).toEqual(['unstable']);
  });

  it('is unstable, never unknown, when every monitor is flapping', () => {
    const monitors = [probe('a', 'down', { flapping: true }), probe('b', 'up', { flapping: true })];
    const verdict = fuseServiceStatus({ monitors });
    expect(verdict.status).toBe('degraded');
    expect(verdict.evidence.map((e) => (e.kind === 'unstable' ? e.monitorId : e.kind))).toEqual(['a', 'b']);
  });
});

describe('fuseServiceStatus recovery (October 2021)', () => {
  const dns = (state: State): MonitorView => probe('fb-dns', state, { target: 'facebook.com A' });
  const http = (state: State): MonitorView => probe('fb-http', state, { target: 'https://facebook.com/' });

  it('is down while DNS and HTTP both fail', () => {
    expect(fuseServiceStatus({ monitors: [dns('down'), http('down')] }).status).toBe('down');
  });

  it('is degraded, not up, when DNS is back but HTTP still fails', () => {
    const verdict = fuseServiceStatus({ monitors: [dns('up'), http('down')] });
    expect(verdict.status).toBe('degraded');
    expect(verdict.evidence.map((e) => (e.kind === 'probe' ? e.monitorId : e.kind))).toEqual(['fb-http']);
  });

  it('is up once the probe that failed passes again', () => {
    expect(fuseServiceStatus({ monitors: [dns('up'), http('up')] }).status).toBe('up');
  });
});

describe('fuseServiceStatus with the crowd', () => {
  it('is down when one probe is down and the crowd detector fires', () => {
    const monitors = [probe('a', 'down'), probe('b', 'up')];
    expect(fuseServiceStatus({ monitors, crowd: crowd('detected') }).status).toBe('down');
  });

  it('is only degraded when one probe is down and the crowd is merely possible', () => {
    const monitors = [probe('a', 'down'), probe('b', 'up')];
    expect(fuseServiceStatus({ monitors, crowd: crowd('possible') }).status).toBe('degraded');
  });

  it('is only degraded when a probe is degraded (not down) and the crowd detector fires', () => {
    const monitors = [probe('a', 'degraded'), probe('b', 'up')];
    expect(fuseServiceStatus({ monitors, crowd: crowd('detected') }).status).toBe('degraded');
  });
});

describe('fuseServiceStatus evidence', () => {
  it('lists every active monitor that is not up, and the crowd, with their details', () => {
    const verdict = fuseServiceStatus({
      monitors: [
        probe('http', 'down', { reason: 'http-status', message: 'HTTP 503', facts: { statusCode: 503 } }),
        probe('dns', 'up'),
        probe('tcp', 'degraded', { reason: 'slow', message: '2400 ms' }),
        probe('flappy', 'down', { flapping: true }),
        probe('fresh', 'unknown'),
        official('sp', 'degraded', ['Elevated error rates', 'API: partial outage']),
        official('feed', 'down'),
      ],
      crowd: { level: 'detected', reporters: 57, topProblem: { kind: 'login', share: 0.6 } },
    });
    expect(verdict.evidence).toEqual([
      { kind: 'unstable', monitorId: 'flappy', target: 'flappy.example:443', changes: 0, windowMs: 0 },
      {
        kind: 'probe',
        monitorId: 'http',
        target: 'http.example:443',
        state: 'down',
        reason: 'http-status',
        message: 'HTTP 503',
        facts: { statusCode: 503 },
      },
      {
        kind: 'probe',
        monitorId: 'tcp',
        target: 'tcp.example:443',
        state: 'degraded',
        reason: 'slow',
        message: '2400 ms',
      },
      {
        kind: 'official',
        monitorId: 'sp',
        state: 'degraded',
        lines: ['Elevated error rates', 'API: partial outage'],
      },
      { kind: 'official', monitorId: 'feed', state: 'down', lines: ['official says down'] },
      { kind: 'crowd', level: 'detected', reporters: 57, topProblem: { kind: 'login', share: 0.6 } },
    ]);
  });

  it('has no crowd evidence when the crowd level is none', () => {
    const verdict = fuseServiceStatus({ monitors: [probe('a', 'down')], crowd: crowd('none', 3) });
    expect(verdict.evidence.map((e) => e.kind)).toEqual(['probe']);
  });

  it('omits topProblem from crowd evidence when there is none', () => {
    const verdict = fuseServiceStatus({ monitors: [], crowd: crowd('possible', 12) });
    expect(verdict.evidence).toEqual([{ kind: 'crowd', level: 'possible', reporters: 12 }]);
  });
});

describe('fuseServiceStatus when the probes recover under a latched crowd alert', () => {
  const ALERT_START = 1_000;
  const latched = (strong: boolean): CrowdView => ({
    level: 'detected',
    reporters: 8,
    since: ALERT_START,
    strong,
  });

  it('is up once a probe that failed during the crowd alert passes again and reports are no longer strong', () => {
    const monitors = [
      probe('web', 'up', { since: ALERT_START + 3_600_000 }),
      probe('dns', 'up', { since: 0 }),
    ];
    const verdict = fuseServiceStatus({ monitors, crowd: latched(false) });
    expect(verdict).toEqual({ status: 'up', evidence: [] });
  });

  it('stays degraded while the newest window is still strong evidence (the apps are not back)', () => {
    const monitors = [probe('web', 'up', { since: ALERT_START + 3_600_000 })];
    expect(fuseServiceStatus({ monitors, crowd: latched(true) }).status).toBe('degraded');
  });

  it('holds a crowd alert no probe saw (every probe up since before it began)', () => {
    const monitors = [probe('web', 'up', { since: 0 })];
    expect(fuseServiceStatus({ monitors, crowd: latched(false) }).status).toBe('degraded');
  });

  it('still counts the crowd while a probe is down', () => {
    const monitors = [
      probe('web', 'down', { since: ALERT_START }),
      probe('b', 'up', { since: ALERT_START + 1 }),
    ];
    expect(fuseServiceStatus({ monitors, crowd: latched(false) }).status).toBe('down');
  });
});
