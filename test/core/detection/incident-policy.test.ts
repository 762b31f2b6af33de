import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REOPEN_COOLDOWN_MS,
  type IncidentDecision,
  type IncidentView,
  decideIncident,
  evidenceKey,
} from '../../../src/core/detection/incident-policy.js';
import type { Evidence } from '../../../src/core/detection/service-status.js';
import type { Severity, State } from '../../../src/core/model.js';
import { readDocTable } from '../../helpers/doc-table.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const NOW = T0 + 60 * MINUTE;

const httpDown: Evidence = {
  kind: 'probe',
  monitorId: 'gh-http',
  target: 'https://github.com/',
  state: 'down',
  reason: 'http-status',
  message: 'HTTP 503',
};
const dnsDown: Evidence = {
  ...httpDown,
  monitorId: 'gh-dns',
  target: 'github.com A',
  reason: 'dns-servfail',
};

const openIncident = (severity: Severity, evidence: readonly Evidence[] = [httpDown]): IncidentView => ({
  id: 7,
  severity,
  startedAt: T0,
  resolvedAt: null,
  evidenceKey: evidenceKey(evidence),
});
const resolvedAgo = (ms: number): IncidentView => ({
  id: 3,
  severity: 'major',
  startedAt: T0 - 30 * MINUTE,
  resolvedAt: NOW - ms,
  evidenceKey: evidenceKey([httpDown]),
});

interface Case {
  readonly name: string;
  readonly status: State;
  readonly evidence?: readonly Evidence[];
  readonly open: IncidentView | null;
  readonly lastResolved: IncidentView | null;
  readonly unknownSince?: number;
  readonly expected: IncidentDecision;
}

/** Cases for each row of the doc-comment table, keyed by its first three cells. */
const ROW_CASES: Record<string, readonly Case[]> = {
  'down / degraded | none | no': [
    {
      name: 'down, nothing before',
      status: 'down',
      open: null,
      lastResolved: null,
      expected: { kind: 'open', severity: 'major', startedAt: NOW },
    },
    {
      name: 'degraded, nothing before',
      status: 'degraded',
      open: null,
      lastResolved: null,
      expected: { kind: 'open', severity: 'minor', startedAt: NOW },
    },
    {
      name: 'down, last resolved exactly one cool-down ago',
      status: 'down',
      open: null,
      lastResolved: resolvedAgo(DEFAULT_REOPEN_COOLDOWN_MS),
      expected: { kind: 'open', severity: 'major', startedAt: NOW },
    },
  ],
  'down / degraded | none | yes': [
    {
      name: 'down, resolved a minute ago',
      status: 'down',
      open: null,
      lastResolved: resolvedAgo(MINUTE),
      expected: { kind: 'reopen', incidentId: 3, severity: 'major' },
    },
    {
      name: 'degraded, resolved just inside the cool-down',
      status: 'degraded',
      open: null,
      lastResolved: resolvedAgo(DEFAULT_REOPEN_COOLDOWN_MS - 1),
      expected: { kind: 'reopen', incidentId: 3, severity: 'minor' },
    },
  ],
  'down / degraded | yes, same sev | -': [
    {
      name: 'down, evidence changed',
      status: 'down',
      evidence: [httpDown, dnsDown],
      open: openIncident('major'),
      lastResolved: null,
      expected: { kind: 'update', incidentId: 7, severity: 'major', severityChanged: false },
    },
    {
      name: 'down, same evidence',
      status: 'down',
      open: openIncident('major'),
      lastResolved: null,
      expected: { kind: 'none' },
    },
    {
      name: 'degraded, same evidence, recently resolved other incident',
      status: 'degraded',
      open: openIncident('minor'),
      lastResolved: resolvedAgo(MINUTE),
      expected: { kind: 'none' },
    },
  ],
  'down / degraded | yes, other | -': [
    {
      name: 'minor becomes major',
      status: 'down',
      open: openIncident('minor'),
      lastResolved: null,
      expected: { kind: 'update', incidentId: 7, severity: 'major', severityChanged: true },
    },
    {
      name: 'major becomes minor',
      status: 'degraded',
      open: openIncident('major'),
      lastResolved: null,
      expected: { kind: 'update', incidentId: 7, severity: 'minor', severityChanged: true },
    },
  ],
  'up | yes | -': [
    {
      name: 'up after an hour',
      status: 'up',
      evidence: [],
      open: openIncident('major'),
      lastResolved: null,
      expected: { kind: 'resolve', incidentId: 7, durationMs: NOW - T0 },
    },
  ],
  'unknown, no evid. | yes, 30 min | -': [
    {
      name: 'unknown for 30 minutes, nothing accuses any more',
      status: 'unknown',
      evidence: [],
      open: openIncident('minor'),
      lastResolved: null,
      unknownSince: NOW - 30 * MINUTE,
      expected: { kind: 'resolve', incidentId: 7, durationMs: NOW - T0 },
    },
  ],
  'unknown / maint. | any | -': [
    {
      name: 'unknown for 29 minutes, nothing accuses',
      status: 'unknown',
      evidence: [],
      open: openIncident('minor'),
      lastResolved: null,
      unknownSince: NOW - 29 * MINUTE,
      expected: { kind: 'none' },
    },
    {
      name: 'unknown for an hour, evidence left',
      status: 'unknown',
      open: openIncident('major'),
      lastResolved: null,
      unknownSince: NOW - 60 * MINUTE,
      expected: { kind: 'none' },
    },
    {
      name: 'unknown, nothing open',
      status: 'unknown',
      open: null,
      lastResolved: null,
      expected: { kind: 'none' },
    },
    {
      name: 'unknown, incident open',
      status: 'unknown',
      open: openIncident('major'),
      lastResolved: null,
      expected: { kind: 'none' },
    },
    {
      name: 'maintenance, incident open',
      status: 'maintenance',
      open: openIncident('minor'),
      lastResolved: null,
      expected: { kind: 'none' },
    },
    {
      name: 'maintenance, resolved a minute ago',
      status: 'maintenance',
      open: null,
      lastResolved: resolvedAgo(MINUTE),
      expected: { kind: 'none' },
    },
  ],
};

describe('decideIncident', () => {
  const table = readDocTable(
    new URL('../../../src/core/detection/incident-policy.ts', import.meta.url),
    'decideIncident',
  ).map(([status = '', open = '', cooldown = '', decision = '']) => ({
    row: `${status} | ${open} | ${cooldown}`,
    decision,
  }));

  it('has test cases for every row of its doc-comment table and no other', () => {
    expect(table.map((r) => r.row).sort()).toEqual(Object.keys(ROW_CASES).sort());
  });

  it.each(table)('$row → $decision', ({ row }) => {
    for (const c of ROW_CASES[row] ?? []) {
      const decision = decideIncident({
        status: c.status,
        evidence: c.evidence ?? [httpDown],
        open: c.open,
        lastResolved: c.lastResolved,
        at: NOW,
        ...(c.unknownSince !== undefined ? { unknownSince: c.unknownSince } : {}),
      });
      expect(decision, c.name).toEqual(c.expected);
    }
  });
});

describe('decideIncident edge cases', () => {
  it('does nothing when a service comes up with no open incident', () => {
    expect(
      decideIncident({ status: 'up', evidence: [], open: null, lastResolved: resolvedAgo(MINUTE), at: NOW }),
    ).toEqual({
      kind: 'none',
    });
  });

  it('honours an explicit cool-down', () => {
    const input = {
      status: 'down' as const,
      evidence: [httpDown],
      open: null,
      lastResolved: resolvedAgo(2 * MINUTE),
      at: NOW,
    };
    expect(decideIncident({ ...input, cooldownMs: 2 * MINUTE + 1 }).kind).toBe('reopen');
    expect(decideIncident({ ...input, cooldownMs: 2 * MINUTE }).kind).toBe('open');
  });

  it('measures a reopened incident from its reopening, not from its first start', () => {
    const reopened: IncidentView = { ...openIncident('major'), reopenedAt: NOW - 2_000 };
    expect(
      decideIncident({ status: 'up', evidence: [], open: reopened, lastResolved: null, at: NOW }),
    ).toEqual({
      kind: 'resolve',
      incidentId: 7,
      durationMs: 2_000,
    });
  });

  it("keeps an unstable service's incident open as a minor one, told once", () => {
    const unstable: Evidence = {
      kind: 'unstable',
      monitorId: 'gh-http',
      target: 'https://github.com/',
      changes: 6,
      windowMs: 30 * MINUTE,
    };
    const first = decideIncident({
      status: 'degraded',
      evidence: [unstable],
      open: openIncident('major'),
      lastResolved: null,
      at: NOW,
    });
    expect(first).toEqual({ kind: 'update', incidentId: 7, severity: 'minor', severityChanged: true });
    // More flips change the count, not the story.
    const again = decideIncident({
      status: 'degraded',
      evidence: [{ ...unstable, changes: 9 }],
      open: { ...openIncident('minor', [unstable]) },
      lastResolved: null,
      at: NOW,
    });
    expect(again).toEqual({ kind: 'none' });
  });

  it('opens a new incident when the last one was never resolved (no resolvedAt)', () => {
    const stale: IncidentView = { ...resolvedAgo(MINUTE), resolvedAt: null };
    expect(
      decideIncident({ status: 'down', evidence: [httpDown], open: null, lastResolved: stale, at: NOW }).kind,
    ).toBe('open');
  });

  it('does not update on a changed message or latency alone', () => {
    const noisy: Evidence = { ...httpDown, message: 'HTTP 503 after 1840 ms' };
    const decision = decideIncident({
      status: 'down',
      evidence: [noisy],
      open: openIncident('major'),
      lastResolved: null,
      at: NOW,
    });
    expect(decision).toEqual({ kind: 'none' });
  });

  it('updates when the failure reason changes', () => {
    const timeout: Evidence = { ...httpDown, reason: 'timeout' };
    const decision = decideIncident({
      status: 'down',
      evidence: [timeout],
      open: openIncident('major'),
      lastResolved: null,
      at: NOW,
    });
    expect(decision.kind).toBe('update');
  });

  it('does not update when the same evidence comes in another order', () => {
    const open = openIncident('major', [httpDown, dnsDown]);
    const decision = decideIncident({
      status: 'down',
      evidence: [dnsDown, httpDown],
      open,
      lastResolved: null,
      at: NOW,
    });
    expect(decision).toEqual({ kind: 'none' });
  });
});

describe('evidenceKey', () => {
  it('ignores crowd counts but not the crowd level', () => {
    const crowd = (level: 'possible' | 'detected', reporters: number): Evidence => ({
      kind: 'crowd',
      level,
      reporters,
    });
    expect(evidenceKey([crowd('possible', 10)])).toBe(evidenceKey([crowd('possible', 90)]));
    expect(evidenceKey([crowd('possible', 10)])).not.toBe(evidenceKey([crowd('detected', 10)]));
  });

  it('changes with the official lines', () => {
    const official = (lines: string[]): Evidence => ({
      kind: 'official',
      monitorId: 'sp',
      state: 'degraded',
      lines,
    });
    expect(evidenceKey([official(['API errors'])])).not.toBe(
      evidenceKey([official(['API errors', 'Git ops slow'])]),
    );
  });
});
