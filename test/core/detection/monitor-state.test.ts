import { describe, expect, it } from 'vitest';
import {
  type ConfirmPolicy,
  type FixedConfirmPolicy,
  type FlapPolicy,
  type MonitorEvent,
  type MonitorRecord,
  confirmationsNeeded,
  downConfirmationOf,
  dropStaleStreak,
  SETTLE_CHECKS,
  SETTLE_MS,
  initialMonitorRecord,
  pendingWorsening,
  stepMonitor,
} from '../../../src/core/detection/monitor-state.js';
import { BACKGROUND_MEMORY } from '../../../src/core/detection/confirmation.js';
import { type ProbeOutcome, type State, STATES } from '../../../src/core/model.js';
import { readDocTable } from '../../helpers/doc-table.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const CONFIRM: FixedConfirmPolicy = { down: 3, up: 4 };
const FLAP: FlapPolicy = { changes: 3, windowMs: 30 * MINUTE };

type Raw = Pick<ProbeOutcome, 'status' | 'reason' | 'message'>;
const raw = (status: ProbeOutcome['status']): Raw => ({
  status,
  reason: status === 'up' ? 'ok' : status === 'degraded' ? 'slow' : status === 'down' ? 'timeout' : 'aborted',
  message: `${status} check`,
});

const recordIn = (state: State): MonitorRecord => ({ ...initialMonitorRecord(T0), state });

/** Feeds outcomes one minute apart; returns the final record and every event with its step index. */
function feed(
  start: MonitorRecord,
  statuses: readonly ProbeOutcome['status'][],
  opts: {
    confirm?: ConfirmPolicy | FixedConfirmPolicy;
    flap?: FlapPolicy;
    from?: number;
    stepMs?: number;
  } = {},
): { record: MonitorRecord; states: State[]; events: { step: number; event: MonitorEvent }[] } {
  let record = start;
  const states: State[] = [];
  const events: { step: number; event: MonitorEvent }[] = [];
  statuses.forEach((status, i) => {
    const at = (opts.from ?? T0) + (i + 1) * (opts.stepMs ?? MINUTE);
    const step = stepMonitor(record, raw(status), at, opts.confirm ?? CONFIRM, opts.flap ?? FLAP);
    record = step.record;
    states.push(record.state);
    for (const event of step.events) events.push({ step: i, event });
  });
  return { record, states, events };
}

/** Concrete transitions each row of the doc-comment table stands for. */
const BETTER_TO_WORSE: [State, State][] = [
  ['up', 'degraded'],
  ['up', 'down'],
  ['degraded', 'down'],
  ['unknown', 'degraded'],
  ['unknown', 'down'],
  ['maintenance', 'degraded'],
  ['maintenance', 'down'],
];
const TRANSITIONS: Record<string, [State, State][]> = {
  'any → maintenance': STATES.filter((s) => s !== 'maintenance').map((s) => [s, 'maintenance']),
  'unknown → up': [['unknown', 'up']],
  'maintenance → up': [['maintenance', 'up']],
  'better → worse': BETTER_TO_WORSE,
  'worse → better': [
    ['down', 'degraded'],
    ['down', 'up'],
    ['degraded', 'up'],
  ],
};
const NEEDS: Record<string, number> = { '1': 1, 'confirm.down': CONFIRM.down, 'confirm.up': CONFIRM.up };

describe('confirmationsNeeded', () => {
  const table = readDocTable(
    new URL('../../../src/core/detection/monitor-state.ts', import.meta.url),
    'confirmationsNeeded',
  ).map(([from = '', to = '', needs = '', why = '']) => ({ row: `${from} → ${to}`, needs, why }));

  it('has a test case for every row of its doc-comment table and no other', () => {
    expect(table.map((r) => r.row).sort()).toEqual(Object.keys(TRANSITIONS).sort());
  });

  it.each(table)('$row needs $needs ($why)', ({ row, needs }) => {
    const expected = NEEDS[needs];
    expect(expected).toBeDefined();
    for (const [from, to] of TRANSITIONS[row] ?? []) {
      expect(confirmationsNeeded(from, to, CONFIRM), `${from} → ${to}`).toBe(expected);
    }
  });

  it.each(table)('stepMonitor moves $row after exactly $needs outcomes', ({ row, needs }) => {
    const n = NEEDS[needs] ?? Number.NaN;
    for (const [from, to] of TRANSITIONS[row] ?? []) {
      const { states, events } = feed(recordIn(from), Array<ProbeOutcome['status']>(n).fill(to));
      expect(states, `${from} → ${to}`).toEqual([...Array<State>(n - 1).fill(from), to]);
      expect(events.map((e) => e.event)).toEqual([{ kind: 'changed', from, to }]);
    }
  });
});

describe('stepMonitor confirmations', () => {
  it('goes down after exactly confirm.down failures, not before', () => {
    const { states, events } = feed(recordIn('up'), ['down', 'down', 'down']);
    expect(states).toEqual(['up', 'up', 'down']);
    expect(events).toEqual([{ step: 2, event: { kind: 'changed', from: 'up', to: 'down' } }]);
  });

  it('keeps the pending streak visible while waiting for confirmation', () => {
    const { record } = feed(recordIn('up'), ['down', 'down']);
    expect(record.pending).toEqual({ status: 'down', count: 2, since: T0 + MINUTE, last: T0 + 2 * MINUTE });
  });

  it('restarts the streak when a good check comes in between', () => {
    const { states, record } = feed(recordIn('up'), ['down', 'down', 'up', 'down', 'down']);
    expect(states).toEqual(['up', 'up', 'up', 'up', 'up']);
    expect(record.pending).toEqual({
      status: 'down',
      count: 2,
      since: T0 + 4 * MINUTE,
      last: T0 + 5 * MINUTE,
    });
    expect(feed(record, ['down'], { from: T0 + 5 * MINUTE }).states).toEqual(['down']);
  });

  it('neither confirms nor breaks a streak on unknown outcomes', () => {
    const { states, events } = feed(
      recordIn('up'),
      ['down', 'unknown', 'down', 'unknown', 'unknown', 'down'],
      { stepMs: 20_000 },
    );
    expect(states).toEqual(['up', 'up', 'up', 'up', 'up', 'down']);
    expect(events.map((e) => e.step)).toEqual([5]);
  });

  it('starts a streak again when its results are further apart than streakGapMs (a restart, unknowns)', () => {
    const TWO: FixedConfirmPolicy = { down: 2, up: 2 };
    // A failure, a restart ten minutes long, a failure: one failure, not two.
    const first = feed(recordIn('up'), ['down'], { confirm: TWO }).record;
    const restarted = JSON.parse(JSON.stringify(first)) as MonitorRecord;
    const after = feed(restarted, ['down'], { confirm: TWO, from: T0 + 10 * MINUTE });
    expect(after.states).toEqual(['up']);
    expect(after.record.pending).toMatchObject({ count: 1, since: T0 + 11 * MINUTE });
    // A failure, five unknowns a minute apart (our network in doubt), a failure: one failure.
    const unknowns = feed(
      recordIn('up'),
      ['down', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'down'],
      {
        confirm: TWO,
      },
    );
    expect(unknowns.states.at(-1)).toBe('up');
    expect(unknowns.record.pending).toMatchObject({ count: 1 });
    // Within the gap, the same two failures confirm.
    expect(
      feed(recordIn('up'), ['down', 'unknown', 'down'], { confirm: TWO, stepMs: 30_000 }).states,
    ).toEqual(['up', 'up', 'down']);
  });

  it('drops a stale streak when a record is loaded, and keeps a fresh one', () => {
    const pending = feed(recordIn('up'), ['down'], { confirm: { down: 2, up: 2 } }).record;
    const cadence = { intervalMs: MINUTE, timeoutMs: 10_000 };
    expect(dropStaleStreak(pending, T0 + 2 * MINUTE, cadence)).toBe(pending);
    expect(dropStaleStreak(pending, T0 + 10 * MINUTE, cadence).pending).toBeNull();
  });

  it('never confirms a down on a streak shorter than minStreakSpanMs: a 10–15 s blip does not alert', () => {
    const TWO: FixedConfirmPolicy = { down: 2, up: 2 };
    const cadence = { intervalMs: MINUTE, timeoutMs: 10_000 };
    let record = recordIn('up');
    // Failures at +0, +2, +6, +14 s (re-checks), then the site answers again at +22 s.
    for (const t of [0, 2000, 6000, 14_000])
      record = stepMonitor(record, raw('down'), T0 + t, TWO, FLAP, cadence).record;
    expect(record.state).toBe('up');
    record = stepMonitor(record, raw('up'), T0 + 22_000, TWO, FLAP, cadence).record;
    expect(record).toMatchObject({ state: 'up', pending: null });
    // A longer outage: confirmed once the streak spans 30 s.
    for (const t of [100_000, 102_000, 106_000, 114_000, 122_000])
      record = stepMonitor(record, raw('down'), T0 + t, TWO, FLAP, cadence).record;
    expect(record.state).toBe('up');
    record = stepMonitor(record, raw('down'), T0 + 130_000, TWO, FLAP, cadence).record;
    expect(record.state).toBe('down');
  });

  it('never moves a monitor on unknown outcomes alone', () => {
    const { states, record } = feed(recordIn('down'), Array<ProbeOutcome['status']>(10).fill('unknown'));
    expect(states).toEqual(Array<State>(10).fill('down'));
    expect(record.since).toBe(T0);
  });

  it('recovers after exactly confirm.up good checks', () => {
    const { states, record } = feed(recordIn('down'), ['up', 'up', 'up', 'up']);
    expect(states).toEqual(['down', 'down', 'down', 'up']);
    expect(record).toMatchObject({ state: 'up', since: T0 + 4 * MINUTE, pending: null, reason: 'ok' });
  });

  it('enters maintenance on the first maintenance outcome', () => {
    expect(feed(recordIn('down'), ['maintenance']).states).toEqual(['maintenance']);
  });

  it('comes up on the first good check of a fresh monitor, without counting it as a change', () => {
    const { record, events } = feed(initialMonitorRecord(T0), ['up']);
    expect(record.state).toBe('up');
    expect(record.changes).toEqual([]);
    expect(events.map((e) => e.event)).toEqual([{ kind: 'changed', from: 'unknown', to: 'up' }]);
  });

  it('needs confirm.down failures before a fresh monitor is down', () => {
    expect(feed(initialMonitorRecord(T0), ['down', 'down', 'down']).states).toEqual([
      'unknown',
      'unknown',
      'down',
    ]);
  });

  it('keeps the reason and message of the latest outcome while the state holds', () => {
    const down = feed(recordIn('up'), ['down', 'down', 'down']).record;
    const { record } = stepMonitor(
      down,
      { status: 'down', reason: 'refused', message: 'connect ECONNREFUSED' },
      T0 + 10 * MINUTE,
      CONFIRM,
      FLAP,
    );
    expect(record).toMatchObject({ state: 'down', reason: 'refused', message: 'connect ECONNREFUSED' });
    expect(record.since).toBe(down.since);
  });
});

describe('stepMonitor flapping', () => {
  // With confirm 1/1 every alternating outcome is a confirmed change.
  const FAST: ConfirmPolicy = { down: 1, up: 1 };
  const alternating = (n: number): ProbeOutcome['status'][] =>
    Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'down' : 'up'));

  it('is not flapping at exactly flap.changes changes within the window', () => {
    const { record, events } = feed(recordIn('up'), alternating(FLAP.changes), { confirm: FAST });
    expect(record.flapping).toBe(false);
    expect(events.filter((e) => e.event.kind === 'flapping')).toEqual([]);
  });

  it('emits one flapping event on the change that exceeds flap.changes, and none after', () => {
    const { record, events } = feed(recordIn('up'), alternating(FLAP.changes + 4), { confirm: FAST });
    expect(record.flapping).toBe(true);
    expect(events.filter((e) => e.event.kind === 'flapping')).toEqual([
      { step: FLAP.changes, event: { kind: 'flapping' } },
    ]);
  });

  it('does not flap when the same number of changes is spread wider than the window', () => {
    const stepMs = FLAP.windowMs / FLAP.changes;
    const { record } = feed(recordIn('up'), alternating(FLAP.changes * 3), { confirm: FAST, stepMs });
    expect(record.flapping).toBe(false);
  });

  it('settles once after a whole window without a confirmed change', () => {
    const flapping = feed(recordIn('up'), alternating(FLAP.changes + 1), { confirm: FAST });
    const lastChange = T0 + (FLAP.changes + 1) * MINUTE;
    expect(flapping.record.flapping).toBe(true);

    const before = stepMonitor(
      flapping.record,
      raw(flapping.record.state),
      lastChange + FLAP.windowMs - 1,
      FAST,
      FLAP,
    );
    expect(before.events).toEqual([]);
    expect(before.record.flapping).toBe(true);

    const after = stepMonitor(
      before.record,
      raw(before.record.state),
      lastChange + FLAP.windowMs,
      FAST,
      FLAP,
    );
    expect(after.events).toEqual([{ kind: 'settled' }]);
    expect(after.record.flapping).toBe(false);

    const later = stepMonitor(
      after.record,
      raw(after.record.state),
      lastChange + FLAP.windowMs + MINUTE,
      FAST,
      FLAP,
    );
    expect(later.events).toEqual([]);
  });

  it('flaps again at once on a change within a window of an early settle, and then settles only when quiet', () => {
    const flapping = feed(recordIn('up'), alternating(FLAP.changes + 1), { confirm: FAST });
    const lastChange = T0 + (FLAP.changes + 1) * MINUTE;
    // Steady up for 6 minutes: settles early, remembering when.
    const steady = feed(flapping.record, ['up', 'up', 'up', 'up', 'up', 'up'], {
      confirm: FAST,
      from: lastChange,
    });
    expect(steady.events.map((e) => e.event.kind)).toEqual(['settled']);
    const settledAt = steady.record.settledAt ?? 0;
    expect(settledAt).toBeGreaterThan(lastChange);
    // 25 minutes later, its older changes have aged out of the window: one change is flapping again.
    const relapse = stepMonitor(steady.record, raw('down'), settledAt + 25 * MINUTE, FAST, FLAP);
    expect(relapse.events.map((e) => e.kind)).toEqual(['changed', 'flapping']);
    expect(relapse.record).toMatchObject({ flapping: true, relapsed: true });
    // Back up and steady for 10 minutes: no early settle this time…
    const back = feed(
      relapse.record,
      Array.from({ length: 10 }, () => 'up' as const),
      {
        confirm: FAST,
        from: settledAt + 25 * MINUTE,
      },
    );
    expect(back.events.map((e) => e.event.kind)).toEqual(['changed']);
    expect(back.record.flapping).toBe(true);
    // …only after a whole window without a change, and that forgets the early settle.
    const quiet = stepMonitor(back.record, raw('up'), settledAt + 26 * MINUTE + FLAP.windowMs, FAST, FLAP);
    expect(quiet.events).toEqual([{ kind: 'settled' }]);
    expect(quiet.record.settledAt).toBeUndefined();
    expect(quiet.record.relapsed).toBeUndefined();
  });

  it('does not flap again on a change more than a window after an early settle', () => {
    const flapping = feed(recordIn('up'), alternating(FLAP.changes + 1), { confirm: FAST });
    const steady = feed(flapping.record, ['up', 'up', 'up', 'up', 'up', 'up'], {
      confirm: FAST,
      from: T0 + (FLAP.changes + 1) * MINUTE,
    });
    const settledAt = steady.record.settledAt ?? 0;
    const later = stepMonitor(steady.record, raw('down'), settledAt + FLAP.windowMs, FAST, FLAP);
    expect(later.events.map((e) => e.kind)).toEqual(['changed']);
    expect(later.record.flapping).toBe(false);
  });

  it('settles on an unknown outcome after the quiet window too', () => {
    const flapping = feed(recordIn('up'), alternating(FLAP.changes + 1), { confirm: FAST });
    const lastChange = T0 + (FLAP.changes + 1) * MINUTE;
    const step = stepMonitor(flapping.record, raw('unknown'), lastChange + FLAP.windowMs, FAST, FLAP);
    expect(step.events).toEqual([{ kind: 'settled' }]);
  });

  it('does not settle while changes keep coming', () => {
    const { events } = feed(recordIn('up'), alternating(FLAP.changes * 10), { confirm: FAST });
    expect(events.filter((e) => e.event.kind === 'settled')).toEqual([]);
  });

  it('prunes change times older than the window', () => {
    const { record } = feed(recordIn('up'), ['down', 'up'], { confirm: FAST });
    const step = stepMonitor(record, raw('up'), T0 + 2 * MINUTE + FLAP.windowMs, FAST, FLAP);
    expect(step.record.changes).toEqual([]);
  });
});

describe('stepMonitor with a learned confirmation (confirm.down: auto)', () => {
  const AUTO: ConfirmPolicy = { down: 'auto', up: 2 };
  const CADENCE = { intervalMs: MINUTE, timeoutMs: 10_000 };
  const withHistory = (failureRate: number): MonitorRecord => ({
    ...recordIn('up'),
    background: { checks: BACKGROUND_MEMORY, failures: BACKGROUND_MEMORY * failureRate },
  });

  /** Feeds outcomes 30 s apart (the minimum span), returning the step at which the monitor went down. */
  function failuresToConfirm(start: MonitorRecord, confirm: ConfirmPolicy = AUTO): number {
    let record = start;
    for (let i = 1; i <= 20; i++) {
      record = stepMonitor(record, raw('down'), T0 + i * 30_000, confirm, FLAP, CADENCE).record;
      if (record.state === 'down') return i;
    }
    return Number.POSITIVE_INFINITY;
  }

  it('makes a flaky monitor wait for more failures than a clean one, which still confirms on 2', () => {
    expect(failuresToConfirm(withHistory(0))).toBe(2);
    expect(failuresToConfirm(withHistory(0.01))).toBe(3);
    expect(failuresToConfirm(withHistory(0.05))).toBe(5);
    expect(failuresToConfirm(withHistory(0.1))).toBe(6);
  });

  it('uses the fixed count of the services file instead when one is given', () => {
    expect(failuresToConfirm(withHistory(0.1), { down: 2, up: 2 })).toBe(2);
    expect(failuresToConfirm(withHistory(0), { down: 4, up: 2 })).toBe(4);
  });

  it('asks a fresh monitor (the prior) for 8 at a 60 s interval', () => {
    const fresh = { ...initialMonitorRecord(T0), state: 'up' as const };
    expect(failuresToConfirm(fresh)).toBe(8);
    // A record stored before the counts were kept gets the prior too.
    const { background: _dropped, ...old } = fresh;
    expect(failuresToConfirm(old)).toBe(8);
  });

  it('learns a broken streak as background noise, but not the failures of a confirmed outage', () => {
    const start = withHistory(0);
    const before = start.background?.failures ?? Number.NaN;
    // One failure, then a good check: noise, learned.
    const noise = feed(start, ['down', 'up'], { confirm: AUTO }).record;
    expect(noise.background?.failures).toBeGreaterThan(before + 0.99);
    // Two failures confirm: the streak was the outage; then fail for an hour and recover.
    const outage = feed(
      start,
      ['down', 'down', ...Array<ProbeOutcome['status']>(60).fill('down'), 'up', 'up'],
      {
        confirm: AUTO,
        stepMs: 30_000,
      },
    );
    expect(outage.states.slice(0, 2)).toEqual(['up', 'down']);
    expect(outage.record.state).toBe('up');
    expect(outage.record.background?.failures).toBeCloseTo(before, 9);
    expect(outage.record.background?.checks).toBeCloseTo(start.background?.checks ?? Number.NaN, 9);
  });

  it('learns while up only, so a long outage leaves the confirmation count unchanged', () => {
    const start = withHistory(0.01);
    const { record } = feed(
      start,
      [...Array<ProbeOutcome['status']>(3).fill('down'), ...Array<ProbeOutcome['status']>(500).fill('down')],
      { confirm: AUTO },
    );
    expect(record.state).toBe('down');
    expect(record.background).toEqual(start.background);
    expect(downConfirmationOf(record, AUTO, CADENCE).needed).toBe(3);
  });

  it('never confirms below the learned count, however slowly the failures come in', () => {
    // Every failed check takes its whole 10 s timeout: 10 % noisy needs 6, and gets 6.
    let record = withHistory(0.1);
    let failures = 0;
    for (let at = T0 + 10_000; record.state === 'up' && failures < 20; at += 10_000) {
      record = stepMonitor(record, raw('down'), at, AUTO, FLAP, CADENCE).record;
      failures++;
    }
    expect(record.state).toBe('down');
    expect(failures).toBe(6);
  });

  it('holds the budget: a 5 % noisy monitor every second with a 10 s timeout raises no alarm in a day', () => {
    // A fifth of its failures take the whole timeout (the next slots are skipped while one runs).
    const cadence = { intervalMs: 1000, timeoutMs: 10_000 };
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let record = withHistory(0.05);
    let alarms = 0;
    let at = T0;
    while (at < T0 + 24 * 3_600_000) {
      const fail = random() < 0.05;
      at += fail && random() < 0.2 ? 10_000 : 1000;
      const step = stepMonitor(record, raw(fail ? 'down' : 'up'), at, AUTO, FLAP, cadence);
      record = step.record;
      if (step.events.some((e) => e.kind === 'changed')) {
        alarms++;
        record = { ...record, state: 'up', pending: null };
      }
    }
    expect(alarms).toBe(0);
  });

  it('reports the count, the rate and the budget for /api', () => {
    expect(downConfirmationOf(withHistory(0.05), AUTO, CADENCE)).toMatchObject({
      needed: 5,
      learned: true,
      budgetMet: true,
      targetMet: true,
    });
    // 30 s timeouts at 60 s: five cannot come in within 2.5 minutes.
    expect(
      downConfirmationOf(withHistory(0.05), AUTO, { intervalMs: MINUTE, timeoutMs: 30_000 }),
    ).toMatchObject({
      needed: 5,
      targetMet: false,
    });
    expect(downConfirmationOf(withHistory(0.3), AUTO, { intervalMs: 1000, timeoutMs: 800 })).toMatchObject({
      needed: 10,
      budgetMet: false,
    });
    expect(downConfirmationOf(withHistory(0.3), { down: 2, up: 2 }, CADENCE)).toMatchObject({
      needed: 2,
      learned: false,
    });
  });

  it('shows a pending worsening streak to the scheduler, and nothing else', () => {
    expect(pendingWorsening(recordIn('up'))).toBe(0);
    expect(pendingWorsening(feed(recordIn('up'), ['down', 'down']).record)).toBe(2);
    expect(pendingWorsening(feed(recordIn('up'), ['degraded']).record)).toBe(1);
    expect(pendingWorsening(feed(recordIn('down'), ['up']).record)).toBe(0);
    expect(pendingWorsening(feed(initialMonitorRecord(T0), ['down']).record)).toBe(1);
  });
});

describe('stepMonitor settling early', () => {
  const FAST: ConfirmPolicy = { down: 1, up: 1 };
  const SECOND = 1000;
  /** A monitor that has just become flapping: its last change (to `up`) at T0 + 4 minutes. */
  const flappingUp = (): MonitorRecord => {
    const { record } = feed(recordIn('up'), ['down', 'up', 'down', 'up'], { confirm: FAST });
    expect(record.flapping).toBe(true);
    return record;
  };
  const LAST_CHANGE = T0 + 4 * MINUTE;

  it.each([
    {
      name: 'one good check a minute: the sixth, five minutes after the first',
      outcomes: Array<ProbeOutcome['status']>(6).fill('up'),
      stepMs: MINUTE,
      settlesAt: 5,
    },
    {
      name: 'one good check a second: enough checks early, then five minutes',
      outcomes: Array<ProbeOutcome['status']>(302).fill('up'),
      stepMs: SECOND,
      settlesAt: 300,
    },
    {
      name: 'one failing check restarts the run',
      outcomes: [...Array<ProbeOutcome['status']>(4).fill('up'), 'down', ...Array(6).fill('up')],
      stepMs: MINUTE,
      settlesAt: 10,
    },
    {
      name: 'unknown outcomes neither count nor break the run',
      outcomes: ['up', 'unknown', 'up', 'unknown', 'up', 'up', 'up', 'up'],
      stepMs: MINUTE,
      settlesAt: 6,
    },
  ])('$name', ({ outcomes, stepMs, settlesAt }) => {
    const { events } = feed(flappingUp(), outcomes, {
      confirm: { down: 2, up: 1 },
      from: LAST_CHANGE,
      stepMs,
    });
    expect(events).toEqual([{ step: settlesAt, event: { kind: 'settled' } }]);
  });

  it('needs at least SETTLE_CHECKS agreeing outcomes, however long they span', () => {
    const few = Array<ProbeOutcome['status']>(SETTLE_CHECKS - 1).fill('up');
    const { record, events } = feed(flappingUp(), few, {
      confirm: FAST,
      from: LAST_CHANGE,
      stepMs: SETTLE_MS,
    });
    expect(events).toEqual([]);
    expect(record.steady).toEqual({ checks: SETTLE_CHECKS - 1, since: LAST_CHANGE + SETTLE_MS });
  });

  it('keeps the recent changes when it settles up, so the next failure is flapping again at once', () => {
    const settled = feed(flappingUp(), Array(6).fill('up'), { confirm: FAST, from: LAST_CHANGE });
    expect(settled.record).toMatchObject({ flapping: false, state: 'up', changes: expect.any(Array) });
    expect(settled.record.changes).toHaveLength(4);
    expect(settled.record.steady).toBeUndefined();
    const next = stepMonitor(settled.record, raw('down'), LAST_CHANGE + 7 * MINUTE, FAST, FLAP);
    expect(next.events).toEqual([{ kind: 'changed', from: 'up', to: 'down' }, { kind: 'flapping' }]);
  });

  it('forgets the changes when it settles down, so the recovery reads as one', () => {
    const down = stepMonitor(flappingUp(), raw('down'), LAST_CHANGE + MINUTE, FAST, FLAP).record;
    const settled = feed(down, Array(6).fill('down'), { confirm: FAST, from: LAST_CHANGE + MINUTE });
    expect(settled.events).toEqual([{ step: 5, event: { kind: 'settled' } }]);
    expect(settled.record).toMatchObject({ flapping: false, state: 'down', changes: [] });
    const next = stepMonitor(settled.record, raw('up'), LAST_CHANGE + 9 * MINUTE, FAST, FLAP);
    expect(next.events).toEqual([{ kind: 'changed', from: 'down', to: 'up' }]);
  });
});

describe('stepMonitor and announced maintenance', () => {
  it('a status page toggling maintenance many times is not flapping', () => {
    const toggles = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'maintenance' : 'up') as State);
    const { record, events } = feed(recordIn('up'), toggles, { confirm: { down: 2, up: 2 } });
    expect(record.flapping).toBe(false);
    expect(events.some((e) => e.event.kind === 'flapping')).toBe(false);
    expect(record.changes).toEqual([]);
  });
});
