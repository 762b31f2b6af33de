import { describe, expect, it } from 'vitest';
import { type SilencedRow, planSilenceRelease } from '../../../src/core/delivery/silences.js';
import type { IncidentEventKind } from '../../../src/core/events.js';

/** Rows of one incident, ids from 1, of service `whatsapp`. */
const rows = (incidentId: number, ...kinds: IncidentEventKind[]): SilencedRow[] =>
  kinds.map((eventKind, i) => ({ id: incidentId * 10 + i, incidentId, eventKind, serviceId: 'whatsapp' }));
const ended = () => null;

describe('planSilenceRelease', () => {
  const TABLE: readonly [
    string,
    boolean,
    IncidentEventKind[],
    { release: number; drop: number; forget: boolean },
  ][] = [
    ['told, any rows: all go out', true, ['updated', 'resolved'], { release: 2, drop: 0, forget: false }],
    [
      'told, reopened inside: all go out',
      true,
      ['resolved', 'reopened'],
      { release: 2, drop: 0, forget: false },
    ],
    [
      'not told, still open: the alert goes out',
      false,
      ['opened', 'updated'],
      { release: 2, drop: 0, forget: false },
    ],
    [
      'not told, opened and recovered: dropped',
      false,
      ['opened', 'updated', 'resolved'],
      { release: 0, drop: 3, forget: true },
    ],
    [
      'not told, came back: dropped to the recovery',
      false,
      ['opened', 'resolved', 'reopened', 'updated'],
      { release: 2, drop: 2, forget: false },
    ],
  ];
  it.each(TABLE)('%s', (_why, told, kinds, expected) => {
    const plan = planSilenceRelease(rows(1, ...kinds), ended, () => told);
    expect(plan.release).toHaveLength(expected.release);
    expect(plan.drop).toHaveLength(expected.drop);
    // What goes out is always the tail: the rows after the last recovery dropped.
    expect([...plan.drop, ...plan.release]).toEqual(rows(1, ...kinds).map((r) => r.id));
    expect(plan.forget).toEqual(expected.forget ? [1] : []);
    expect(plan.wait).toEqual([]);
  });

  it('decides each incident on its own', () => {
    const plan = planSilenceRelease(
      [...rows(1, 'opened', 'resolved'), ...rows(2, 'opened')],
      ended,
      () => false,
    );
    expect(plan).toEqual({ wait: [], release: [20], drop: [10, 11], forget: [1] });
  });

  it('keeps the rows of a service silenced again until that silence ends', () => {
    const github: SilencedRow = { id: 30, incidentId: 3, eventKind: 'opened', serviceId: 'github' };
    const plan = planSilenceRelease(
      [...rows(1, 'opened'), github],
      (serviceId) => (serviceId === 'github' ? 5_000 : null),
      () => false,
    );
    expect(plan).toEqual({ wait: [{ ids: [30], until: 5_000 }], release: [10], drop: [], forget: [] });
  });
});
