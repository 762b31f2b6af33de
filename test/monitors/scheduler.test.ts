import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { MonitorConfig, Schedule } from '../../src/config/services-file.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import type { Expiry, Probe, ProbeContext } from '../../src/monitors/probe.js';
import {
  CRON_SPREAD_MS,
  DEFAULT_MAX_CONCURRENT_CHECKS,
  firstSlot,
  nextSlot,
  phaseOf,
  Scheduler,
  type Ticker,
} from '../../src/monitors/scheduler.js';

const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'fine', latencyMs: 1 };
const ABORTED: ProbeOutcome = { status: 'unknown', reason: 'aborted', message: 'stopped', latencyMs: null };

/** A Monday morning, 12.345 s past a whole minute: the start is on no second or interval boundary. */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0) + 12_345;

type Run = (ctx: ProbeContext, id: string) => Promise<ProbeOutcome>;

const every = (ms: number): Schedule => ({ kind: 'every', ms });
const cronSchedule = (expression: string): Schedule => ({ kind: 'cron', expression });

/** A monitor shaped like a loaded one, whose probe is `run` (a fake: the scheduler is the unit). */
function monitor(
  id: string,
  schedule: Schedule,
  run: Run = () => Promise.resolve(UP),
  timeoutMs = 5000,
): MonitorConfig {
  const probe: Probe<unknown> = {
    type: 'fake',
    optionsSchema: z.unknown(),
    describe: () => id,
    run: (_options, ctx) => run(ctx, id),
  };
  return {
    id,
    serviceId: 'svc',
    type: 'fake',
    role: 'probe',
    target: id,
    intervalMs: schedule.kind === 'every' ? schedule.ms : 60_000,
    confirm: { down: 2, up: 2 },
    flap: { changes: 5, windowMs: 600_000 },
    probe,
    options: {},
    timeoutMs,
    schedule,
  };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets promise chains (probe → check → cap → next check) run to the end without moving time. */
async function flush(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

interface Start {
  readonly id: string;
  readonly slot: number;
  readonly startedAt: number;
}

/**
 * A scheduler on fake timers. The clock is the fake `Date.now()` plus `lag`: `block(ms)` models an
 * event loop blocked for `ms` (the scheduler's clock jumps, every pending timer fires that much late,
 * and the overdue tick comes at once). The ticker ticks on every whole second of timer time, as
 * node-cron's `* * * * * *` does, unless stopped by the scheduler.
 */
function harness(
  monitors: readonly MonitorConfig[],
  maxConcurrent?: number,
  rechecks: {
    pendingFailures?: (m: MonitorConfig) => number;
    maxRechecksInFlight?: number;
    /** The hand-over of each result after it is recorded: a promise holds the check running. */
    handOver?: (m: MonitorConfig, outcome: ProbeOutcome) => Promise<void>;
    vantage?: string;
  } = {},
) {
  let lag = 0;
  let onTick: (() => void) | undefined;
  let tickerStopped = false;
  const ticker: Ticker = {
    start: (fn) => (onTick = fn),
    stop: () => (tickerStopped = true),
  };
  const clock = { now: () => Date.now() + lag };
  const starts: Start[] = [];
  const results: { id: string; outcome: ProbeOutcome; at: number }[] = [];
  const skips: { id: string; at: number }[] = [];
  const dropped: { id: string; at: number }[] = [];
  const pendingFailures = rechecks.pendingFailures;
  const scheduler = new Scheduler(
    monitors,
    {
      onResult: (m, outcome) => {
        results.push({ id: m.id, outcome, at: clock.now() });
        return rechecks.handOver?.(m, outcome);
      },
      onStart: (m, slot, startedAt) => starts.push({ id: m.id, slot, startedAt }),
      onSkip: (m) => skips.push({ id: m.id, at: clock.now() }),
      ...(pendingFailures ? { pendingFailures } : {}),
      onRecheckDropped: (m) => dropped.push({ id: m.id, at: clock.now() }),
    },
    {
      clock,
      ticker,
      ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
      ...(rechecks.maxRechecksInFlight === undefined
        ? {}
        : { maxRechecksInFlight: rechecks.maxRechecksInFlight }),
      ...(rechecks.vantage === undefined ? {} : { vantage: rechecks.vantage }),
    },
  );
  const tick = (): void => {
    if (onTick && !tickerStopped) onTick();
  };
  /** Advances time by `ms`, ticking on each whole second on the way. */
  const advance = async (ms: number): Promise<void> => {
    const end = Date.now() + ms;
    for (;;) {
      const boundary = (Math.floor(Date.now() / 1000) + 1) * 1000;
      if (boundary > end) break;
      await vi.advanceTimersByTimeAsync(boundary - Date.now());
      tick();
    }
    await vi.advanceTimersByTimeAsync(end - Date.now());
  };
  /** Advances until the scheduler's clock reads `at`. */
  const advanceTo = (at: number): Promise<void> => advance(Math.max(0, at - clock.now()));
  const block = (ms: number): void => {
    lag += ms;
    tick();
  };
  /** Stops the scheduler, letting timers run until it resolves (its checks settle). */
  const stop = async (): Promise<void> => {
    let done = false;
    const stopped = scheduler.stop().then(() => (done = true));
    for (let i = 0; i < 10_000 && !done; i++) await vi.advanceTimersByTimeAsync(10);
    await stopped;
  };
  return {
    scheduler,
    clock,
    starts,
    results,
    skips,
    dropped,
    tick,
    advance,
    advanceTo,
    block,
    stop,
    get tickerStopped() {
      return tickerStopped;
    },
  };
}

const startsOf = (starts: readonly Start[], id: string): Start[] => starts.filter((s) => s.id === id);

/** The harness's first tick: the first whole second after T0, as node-cron's would be. */
const FIRST_TICK = Math.ceil(T0 / 1000) * 1000;

/** A check started on its slot (also a slot between `start()` and the first tick: start arms it). */
function expectOnTime(s: Start): void {
  expect(s.startedAt).toBeGreaterThanOrEqual(s.slot);
  expect(s.startedAt - s.slot).toBeLessThan(20);
}

/** The interval grid of a monitor: its slots from `from` (inclusive) to `to` (inclusive). */
function gridSlots(first: number, intervalMs: number, from: number, to: number): number[] {
  const slots: number[] = [];
  for (let s = first; s <= to; s += intervalMs) if (s >= from) slots.push(s);
  return slots;
}

describe('phaseOf, firstSlot, nextSlot', () => {
  it('derives the phase from the id with 32-bit FNV-1a, within the range', () => {
    // Published FNV-1a 32-bit test vectors: the full hash is the phase when the range is 2^32.
    expect(phaseOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(phaseOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(phaseOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    for (const range of [1, 7, 1000, 60_000, CRON_SPREAD_MS]) {
      for (let i = 0; i < 200; i++) {
        const phase = phaseOf(`svc-${i}-http`, range);
        expect(Number.isInteger(phase)).toBe(true);
        expect(phase).toBeGreaterThanOrEqual(0);
        expect(phase).toBeLessThan(range);
        expect(phaseOf(`svc-${i}-http`, range)).toBe(phase);
      }
    }
  });

  it('puts the first slot at the first point of the monitor phase grid at or after now', () => {
    for (const intervalMs of [1000, 15_000, 60_000, 300_000]) {
      for (let i = 0; i < 50; i++) {
        const id = `github-${i}`;
        const phase = phaseOf(id, intervalMs);
        for (const now of [T0, T0 + 1, T0 + 999_999, Date.UTC(2030, 5, 1, 23, 59, 59, 999)]) {
          const slot = firstSlot(id, intervalMs, now);
          expect(slot).toBeGreaterThanOrEqual(now);
          expect(slot).toBeLessThan(now + intervalMs);
          expect(slot % intervalMs).toBe(phase);
        }
        // Exactly on a grid point: that point is the first slot, not the one after it.
        const onGrid = Math.floor(T0 / intervalMs) * intervalMs + phase;
        expect(firstSlot(id, intervalMs, onGrid)).toBe(onGrid);
      }
    }
  });

  it('gives the next slot one interval on, or after a stall the first grid point not yet past', () => {
    const intervalMs = 60_000;
    const slot = T0;
    expect(nextSlot(slot, intervalMs, slot)).toBe(slot + intervalMs);
    expect(nextSlot(slot, intervalMs, slot + 59_999)).toBe(slot + intervalMs);
    for (const stall of [60_000, 60_001, 125_000, 5.5 * 60_000, 3_600_000 + 17]) {
      const now = slot + stall;
      const next = nextSlot(slot, intervalMs, now);
      expect((next - slot) % intervalMs).toBe(0); // stays on the grid
      expect(next).toBeGreaterThanOrEqual(now); // every missed slot is skipped…
      expect(next).toBeLessThan(now + intervalMs); // …but no live one
    }
    expect(nextSlot(slot, intervalMs, slot + 5.5 * 60_000)).toBe(slot + 6 * 60_000);
  });
});

describe('Scheduler: interval monitors', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks each monitor first at its phase slot, then every interval, on time', async () => {
    const monitors = [
      monitor('api-http', every(10_000)),
      monitor('api-tcp', every(60_000)),
      monitor('web-dns', every(60_000)),
      monitor('fast', every(1000)),
    ];
    const h = harness(monitors);
    h.scheduler.start();
    expect(h.scheduler.lastTick).toBeNull();
    const end = T0 + 3 * 60_000 + 500;
    await h.advanceTo(end);
    expect(h.scheduler.lastTick).not.toBeNull();

    for (const m of monitors) {
      const ms = m.schedule.kind === 'every' ? m.schedule.ms : 0;
      const first = firstSlot(m.id, ms, T0);
      expect(first).toBeGreaterThanOrEqual(T0);
      expect(first).toBeLessThan(T0 + ms);
      expect(first % ms).toBe(phaseOf(m.id, ms));
      const mine = startsOf(h.starts, m.id);
      expect(mine.map((s) => s.slot)).toEqual(gridSlots(first, ms, T0, end));
      for (const s of mine) expectOnTime(s);
      expect(h.results.filter((r) => r.id === m.id)).toHaveLength(mine.length);
    }
    expect(h.skips).toEqual([]);
    await h.stop();
  });

  it('checks at once the monitors of taken-over services whose last check is overdue, keeping their grid', async () => {
    const monitors = [
      { ...monitor('a-http', every(60_000)), serviceId: 'a' },
      { ...monitor('b-http', every(60_000)), serviceId: 'b' },
      { ...monitor('c-http', every(60_000)), serviceId: 'c' },
    ];
    const h = harness(monitors);
    // Not started: nothing runs (the first checks come at the slots).
    expect(h.scheduler.checkOverdue(['a'], new Map())).toBe(0);
    h.scheduler.start();
    await h.advanceTo(T0 + 100);
    // a: last checked 61 s ago (its owner died) → now; b: 10 s ago → at its slot; c: not taken over.
    const lastChecked = new Map([
      ['a-http', T0 - 61_000],
      ['b-http', T0 - 10_000],
    ]);
    expect(h.scheduler.checkOverdue(['a', 'b'], lastChecked)).toBe(1);
    await h.advanceTo(T0 + 200);
    expect(startsOf(h.starts, 'a-http').map((s) => s.slot)).toEqual([T0 + 100]);
    expect(startsOf(h.starts, 'b-http')).toEqual([]);
    expect(startsOf(h.starts, 'c-http')).toEqual([]);
    // The grid goes on: a's next check is its regular slot.
    const end = T0 + 60_500;
    await h.advanceTo(end);
    const first = firstSlot('a-http', 60_000, T0);
    expect(startsOf(h.starts, 'a-http').map((s) => s.slot)).toEqual([
      T0 + 100,
      ...gridSlots(first, 60_000, T0, end),
    ]);
    await h.stop();
  });

  it('spreads 600 monitors of one interval over it instead of bunching them', async () => {
    const intervalMs = 60_000;
    const count = 600;
    const monitors = Array.from({ length: count }, (_, i) => monitor(`service-${i}-http`, every(intervalMs)));
    const h = harness(monitors);
    h.scheduler.start();
    await h.advanceTo(T0 + intervalMs - 1);

    // Each monitor checked exactly once in its first interval.
    expect(h.starts).toHaveLength(count);
    expect(new Set(h.starts.map((s) => s.id)).size).toBe(count);

    const seconds = intervalMs / 1000;
    const perSecond = new Map<number, number>();
    for (const s of h.starts) {
      const second = Math.floor((s.startedAt - T0) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const mean = count / seconds;
    const busiest = Math.max(...perSecond.values());
    // Uniform phases put Poisson(mean) checks in a second; 3× the mean is far in the tail.
    expect(busiest).toBeLessThanOrEqual(3 * mean);
    // Nearly every second of the interval has checks (an empty second is e^-10 unlikely).
    expect(perSecond.size).toBeGreaterThanOrEqual(seconds - 2);
    // Within a second, checks start at their own millisecond (jitter), not all on the tick:
    // with 600 uniform slots over 60 000 ms only ~3 collisions are expected.
    expect(new Set(h.starts.map((s) => s.startedAt)).size).toBeGreaterThan(0.95 * count);
    await h.stop();
  });

  it('keeps a monitor on the same phase across restarts', async () => {
    const intervalMs = 60_000;
    const ids = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const offsetsOf = async (startAt: number): Promise<Map<string, number>> => {
      vi.setSystemTime(startAt);
      const h = harness(ids.map((id) => monitor(id, every(intervalMs))));
      h.scheduler.start();
      await h.advance(intervalMs);
      await h.stop();
      expect(h.starts).toHaveLength(ids.length);
      return new Map(h.starts.map((s) => [s.id, s.slot % intervalMs]));
    };
    const first = await offsetsOf(T0);
    const second = await offsetsOf(T0 + 3 * 3_600_000 + 17 * 60_000 + 23_456);
    expect(second).toEqual(first);
    for (const id of ids) expect(first.get(id)).toBe(phaseOf(id, intervalMs));
  });

  it('after a stall, checks a missed slot once and resumes on the grid, skipping the rest', async () => {
    const intervalMs = 10_000;
    const m = monitor('stalled', every(intervalMs));
    const h = harness([m]);
    h.scheduler.start();
    const first = firstSlot(m.id, intervalMs, T0);
    await h.advanceTo(first + 1500);
    expect(startsOf(h.starts, m.id).map((s) => s.slot)).toEqual([first]);

    // The loop blocks for over four intervals: slots first+10 s … first+40 s all pass unseen.
    h.block(4 * intervalMs + 6_300);
    const blockEnd = h.clock.now();
    await h.advance(3 * intervalMs);

    const after = startsOf(h.starts, m.id).slice(1);
    // The overdue slot is checked once, late…
    expect(after[0]?.slot).toBe(first + intervalMs);
    expect(after[0]?.startedAt).toBe(blockEnd);
    // …then the schedule resumes at the first grid slot not yet past, without the missed ones.
    const resume = first + Math.ceil((blockEnd - first) / intervalMs) * intervalMs;
    expect(after.slice(1).map((s) => s.slot)).toEqual(gridSlots(resume, intervalMs, resume, h.clock.now()));
    expect(after.filter((s) => s.startedAt < resume)).toHaveLength(1);
    // Nor were the missed slots replayed at once (they would be skipped as overlaps, or run).
    expect(h.skips).toEqual([]);
    await h.stop();
  });

  it('loses no due check when a tick comes late', async () => {
    const intervalMs = 60_000;
    const count = 300;
    const monitors = Array.from({ length: count }, (_, i) => monitor(`late-${i}`, every(intervalMs)));
    const h = harness(monitors);
    h.scheduler.start();
    await h.advance(20_000);
    const blockStart = h.clock.now();
    const blockMs = 6_700;
    h.block(blockMs);
    const end = T0 + intervalMs;
    await h.advanceTo(end + 3000);

    const firsts = new Map(monitors.map((m) => [m.id, firstSlot(m.id, intervalMs, T0)]));
    // Some first slots fall in seconds no tick visited on time (otherwise this test proves nothing).
    const inBlock = [...firsts.values()].filter((s) => s >= blockStart + 2000 && s < blockStart + blockMs);
    expect(inBlock.length).toBeGreaterThan(0);
    for (const m of monitors) {
      const first = firsts.get(m.id) ?? 0;
      const mine = startsOf(h.starts, m.id).filter((s) => s.slot < end);
      expect(
        mine.map((s) => s.slot),
        m.id,
      ).toEqual([first]);
      const lateness = (mine[0]?.startedAt ?? Infinity) - first;
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThanOrEqual(blockMs + 1000);
    }
    expect(h.skips).toEqual([]);
    await h.stop();
  });
});

describe('Scheduler: concurrency', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('defaults to a cap of DEFAULT_MAX_CONCURRENT_CHECKS checks in flight', async () => {
    const held = new Map<string, Deferred<ProbeOutcome>>();
    const count = DEFAULT_MAX_CONCURRENT_CHECKS + 20;
    const run: Run = (_ctx, id) => {
      const d = deferred<ProbeOutcome>();
      held.set(id, d);
      return d.promise;
    };
    const monitors = Array.from({ length: count }, (_, i) => monitor(`m-${i}`, every(60_000), run, 120_000));
    const h = harness(monitors);
    h.scheduler.start();
    await h.advanceTo(T0 + 59_999);
    expect(h.scheduler.checksInFlight).toBe(DEFAULT_MAX_CONCURRENT_CHECKS);
    expect(held.size).toBe(DEFAULT_MAX_CONCURRENT_CHECKS);
    for (const d of held.values()) d.resolve(UP);
    await flush();
    expect(held.size).toBe(count);
    for (const d of held.values()) d.resolve(UP);
    await flush();
    expect(h.scheduler.checksInFlight).toBe(0);
    expect(h.results).toHaveLength(count);
    await h.stop();
  });

  it('runs at most maxConcurrent checks at once; the rest start in order as slots free up', async () => {
    const cap = 3;
    const intervalMs = 60_000;
    const held = new Map<string, Deferred<ProbeOutcome>>();
    let active = 0;
    let maxActive = 0;
    const run: Run = (_ctx, id) => {
      const d = deferred<ProbeOutcome>();
      held.set(id, d);
      active++;
      maxActive = Math.max(maxActive, active);
      return d.promise.finally(() => active--);
    };
    const monitors = Array.from({ length: 10 }, (_, i) =>
      monitor(`capped-${i}`, every(intervalMs), run, 600_000),
    );
    const bySlot = monitors
      .map((m) => ({ id: m.id, slot: firstSlot(m.id, intervalMs, T0) }))
      .sort((a, b) => a.slot - b.slot);
    const h = harness(monitors, cap);
    h.scheduler.start();
    // Every first slot is past; no second slot is due yet (they are all ≥ T0 + interval).
    await h.advanceTo((bySlot.at(-1)?.slot ?? 0) + 1);
    expect(h.clock.now()).toBeLessThan(T0 + intervalMs);

    expect(h.scheduler.checksInFlight).toBe(cap);
    expect(active).toBe(cap);
    expect(h.starts.map((s) => s.id)).toEqual(bySlot.slice(0, cap).map((s) => s.id));
    for (const s of h.starts) expect(s.startedAt).toBe(s.slot); // the first three were on time

    // Free one slot at a time, not in start order: each lets exactly the next due check start.
    for (let freed = 1; freed <= bySlot.length - cap; freed++) {
      const running = h.starts.map((s) => s.id).filter((id) => !h.results.some((r) => r.id === id));
      const victim = running[freed % running.length] ?? '';
      held.get(victim)?.resolve(UP);
      await flush();
      expect(h.starts).toHaveLength(cap + freed);
      expect(h.starts.at(-1)?.id).toBe(bySlot[cap + freed - 1]?.id);
      expect(h.scheduler.checksInFlight).toBe(cap);
      expect(active).toBe(cap);
    }
    expect(h.starts.map((s) => s.id)).toEqual(bySlot.map((s) => s.id));
    expect(maxActive).toBe(cap);

    for (const d of held.values()) d.resolve(UP);
    await flush();
    expect(h.scheduler.checksInFlight).toBe(0);
    expect(h.results).toHaveLength(bySlot.length);
    expect(h.skips).toEqual([]);
    await h.stop();
  });

  it('skips a slot while the previous check of the same monitor still runs, never running it twice', async () => {
    const intervalMs = 5000;
    const runs: Deferred<ProbeOutcome>[] = [];
    let active = 0;
    let maxActive = 0;
    const run: Run = () => {
      const d = deferred<ProbeOutcome>();
      runs.push(d);
      active++;
      maxActive = Math.max(maxActive, active);
      return d.promise.finally(() => active--);
    };
    const m = monitor('sticky', every(intervalMs), run, 60_000);
    const other = monitor('neighbour', every(intervalMs));
    const h = harness([m, other]);
    h.scheduler.start();
    const first = firstSlot(m.id, intervalMs, T0);
    await h.advanceTo(first + 12_000); // slots first+5 s and first+10 s come while it still runs
    expect(runs).toHaveLength(1);
    expect(h.skips.map((s) => s.id)).toEqual(['sticky', 'sticky']);
    expect(h.skips.map((s) => s.at)).toEqual([first + intervalMs, first + 2 * intervalMs]);
    expect(startsOf(h.starts, m.id).map((s) => s.slot)).toEqual([first]);
    // The neighbour is not held back.
    const firstOther = firstSlot(other.id, intervalMs, T0);
    expect(startsOf(h.starts, other.id).map((s) => s.slot)).toEqual(
      gridSlots(firstOther, intervalMs, T0, h.clock.now()),
    );

    runs[0]?.resolve(UP);
    await flush();
    expect(h.results.filter((r) => r.id === m.id)).toHaveLength(1);
    await h.advanceTo(first + 3 * intervalMs + 100);
    expect(runs).toHaveLength(2);
    expect(startsOf(h.starts, m.id).map((s) => s.slot)).toEqual([first, first + 3 * intervalMs]);
    expect(maxActive).toBe(1);
    runs[1]?.resolve(UP);
    await flush();
    expect(h.skips).toHaveLength(2);
    await h.stop();
  });

  it('lets a probe that hangs until its timeout hold only its own check', async () => {
    const intervalMs = 10_000;
    const timeoutMs = 4000;
    const hang: Run = () => new Promise<ProbeOutcome>(() => {}); // ignores its signal and never settles
    const slow = ['slow-1', 'slow-2', 'slow-3'].map((id) => monitor(id, every(intervalMs), hang, timeoutMs));
    const fast = Array.from({ length: 40 }, (_, i) => monitor(`fast-${i}`, every(intervalMs)));
    // Four checks at once: three hung ones leave a single slot to the rest, which is enough.
    const h = harness([...slow, ...fast], 4);
    h.scheduler.start();
    const end = T0 + 4 * intervalMs;
    await h.advanceTo(end);

    for (const m of fast) {
      const mine = startsOf(h.starts, m.id);
      expect(mine.map((s) => s.slot)).toEqual(
        gridSlots(firstSlot(m.id, intervalMs, T0), intervalMs, T0, end),
      );
      for (const s of mine) expectOnTime(s);
    }
    for (const m of slow) {
      const mine = startsOf(h.starts, m.id);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      const outcomes = h.results.filter((r) => r.id === m.id);
      // Each hung check ends as a timeout, no sooner than its timeout, before its next slot.
      for (const [i, r] of outcomes.entries()) {
        expect(r.outcome).toMatchObject({ status: 'down', reason: 'timeout' });
        const started = mine[i]?.startedAt ?? Infinity;
        expect(r.at - started).toBeGreaterThanOrEqual(timeoutMs);
        expect(r.at - started).toBeLessThan(intervalMs);
      }
      expect(outcomes.length).toBeGreaterThanOrEqual(mine.length - 1);
    }
    expect(h.skips).toEqual([]);
    await h.stop();
  });
});

describe('Scheduler: stop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cancels checks in flight, resolves once they settled, and reports nothing after', async () => {
    const intervalMs = 60_000;
    // Longer than the interval: no check times out on its own before stop, even the earliest.
    const timeoutMs = 90_000;
    const ids = ['one', 'two', 'three', 'four', 'five'];
    const ranked = ids
      .map((id) => ({ id, slot: firstSlot(id, intervalMs, T0) }))
      .sort((a, b) => a.slot - b.slot)
      .map((s) => s.id);
    // By slot order: the first three run (cap 3) with different manners; the last two wait.
    const [bySignal, byWatch, deaf] = ranked;
    let signalReason: unknown;
    let watched: Expiry | undefined;
    let deafSettled = false;
    const run: Run = (ctx, id) => {
      if (id === bySignal) {
        const signal = ctx.signal;
        return new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            signalReason = signal.reason;
            resolve(ABORTED);
          }),
        );
      }
      if (id === byWatch) {
        return new Promise((resolve) => {
          expect(ctx.watch).toBeTypeOf('function');
          ctx.watch?.({
            expire: (why) => {
              watched = why;
              resolve(ABORTED);
            },
          });
        });
      }
      if (id === deaf) return new Promise<ProbeOutcome>(() => {}).finally(() => (deafSettled = true));
      return Promise.resolve(UP);
    };
    const monitors = ids.map((id) => monitor(id, every(intervalMs), run, timeoutMs));
    const h = harness(monitors, 3);
    h.scheduler.start();
    const lastFirst = firstSlot(ranked.at(-1) ?? '', intervalMs, T0);
    await h.advanceTo(lastFirst + 1);
    expect(h.starts.map((s) => s.id)).toEqual(ranked.slice(0, 3));
    expect(h.scheduler.checksInFlight).toBe(3);
    const deafStart = h.starts[2]?.startedAt ?? 0;
    expect(h.clock.now() - deafStart).toBeLessThan(timeoutMs); // still well within its timeout

    let stopped = false;
    const stopping = h.scheduler.stop().then(() => (stopped = true));
    await flush();
    expect(h.tickerStopped).toBe(true);
    expect(signalReason).toBeInstanceOf(Error);
    expect((signalReason as Error).name).toBe('AbortError');
    expect(watched).toBe('aborted');
    // The deaf probe ignores the cancel: stop waits for it (its timeout, then the grace).
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false);
    expect(h.scheduler.checksInFlight).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(Math.max(0, deafStart + timeoutMs - h.clock.now() - 1));
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(true);
    await stopping;
    expect(deafSettled).toBe(false); // it never settled: the check was abandoned, not awaited forever
    expect(h.scheduler.checksInFlight).toBe(0);

    // The waiting checks never started; the cancelled ones reported nothing.
    expect(h.starts.map((s) => s.id)).toEqual(ranked.slice(0, 3));
    expect(h.results).toEqual([]);

    // Nothing more runs: no pending slot timer, no tick (even a stray one).
    h.scheduler.tick();
    await vi.advanceTimersByTimeAsync(3 * intervalMs);
    h.scheduler.tick();
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.starts).toHaveLength(3);
    expect(h.results).toEqual([]);
    expect(h.skips).toEqual([]);
  });

  it('resolves at once when nothing is in flight', async () => {
    const h = harness([monitor('idle', every(60_000))]);
    h.scheduler.start();
    await h.advance(2000);
    let stopped = false;
    void h.scheduler.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(true);
  });
});

describe('Scheduler: cron monitors', () => {
  beforeEach(() => {
    // node-cron runs on Date and setTimeout: both fake, so it fires exactly on its matches.
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires on the expression, each monitor offset by its phase within CRON_SPREAD_MS', async () => {
    const quarter = monitor('cron-quarter', cronSchedule('*/15 * * * * *'));
    const minutely = monitor('cron-minutely', cronSchedule('* * * * *'));
    const h = harness([quarter, minutely]);
    h.scheduler.start();
    const end = T0 + 2 * 60_000 + 30_000;
    await h.advanceTo(end);

    const expectFires = (m: MonitorConfig, matches: number[]): void => {
      const spread = phaseOf(m.id, CRON_SPREAD_MS);
      expect(spread).toBeGreaterThanOrEqual(0);
      expect(spread).toBeLessThan(CRON_SPREAD_MS);
      const mine = startsOf(h.starts, m.id);
      expect(mine.map((s) => s.slot)).toEqual(matches.map((t) => t + spread).filter((t) => t <= end));
      for (const s of mine) expect(s.startedAt - s.slot).toBeLessThan(20);
      expect(h.results.filter((r) => r.id === m.id)).toHaveLength(mine.length);
    };
    // Matches after the start: every 15th second, and every whole minute.
    const quarters: number[] = [];
    for (let t = Math.ceil((T0 + 1) / 15_000) * 15_000; t <= end; t += 15_000) quarters.push(t);
    const minutes: number[] = [];
    for (let t = Math.ceil((T0 + 1) / 60_000) * 60_000; t <= end; t += 60_000) minutes.push(t);
    expect(quarters.length).toBeGreaterThanOrEqual(9);
    expect(minutes).toHaveLength(2);
    expectFires(quarter, quarters);
    expectFires(minutely, minutes);

    // Removed: its cron task is gone. Stopped: nothing fires any more.
    expect(h.scheduler.removeMonitor(quarter.id)).toBe(true);
    const before = startsOf(h.starts, quarter.id).length;
    await h.advance(60_000);
    expect(startsOf(h.starts, quarter.id)).toHaveLength(before);
    expect(startsOf(h.starts, minutely.id).length).toBe(3);
    await h.stop();
    const total = h.starts.length;
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    expect(h.starts).toHaveLength(total);
  });
});

describe('Scheduler: slots the ticks do not arm', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks a first slot that falls between start() and the first tick on time', async () => {
    const m = monitor('fast', every(1000));
    const first = firstSlot(m.id, 1000, T0);
    expect(first).toBeLessThan(FIRST_TICK);
    const h = harness([m]);
    h.scheduler.start();
    await h.advance(3000);
    expect(startsOf(h.starts, m.id)[0]).toEqual({ id: m.id, slot: first, startedAt: first });
    await h.stop();
  });

  it('checks a monitor added between ticks whose first slot is in a second a tick already armed', async () => {
    const h = harness([]);
    h.scheduler.start();
    await h.advance(5000);
    const addAt = h.clock.now();
    const armedUpTo = (Math.floor(addAt / 1000) + 2) * 1000;
    const everySecond = monitor('chat-1s', every(1000));
    const id = Array.from({ length: 1000 }, (_, i) => `chat-${i}`).find(
      (c) => firstSlot(c, 60_000, addAt) < armedUpTo,
    );
    expect(id).toBeDefined();
    const minutely = monitor(id ?? '', every(60_000));
    h.scheduler.addMonitor(everySecond);
    h.scheduler.addMonitor(minutely);
    await h.advance(130_000);
    expect(h.scheduler.hasMonitor(everySecond.id)).toBe(true);
    expect(startsOf(h.starts, everySecond.id).length).toBeGreaterThan(100);
    expect(startsOf(h.starts, minutely.id).length).toBeGreaterThanOrEqual(2);
    for (const s of [...startsOf(h.starts, everySecond.id), ...startsOf(h.starts, minutely.id)])
      expectOnTime(s);
    await h.stop();
  });

  it('does not run a check whose slot was armed before its monitor was removed', async () => {
    let runs = 0;
    const m = monitor('removed', every(60_000), () => {
      runs++;
      return Promise.resolve(UP);
    });
    const h = harness([m]);
    h.scheduler.start();
    const first = firstSlot(m.id, 60_000, T0);
    await h.advanceTo(first - 500); // the tick before the slot has armed its timer
    expect(h.scheduler.removeMonitor(m.id)).toBe(true);
    await h.advance(120_000);
    expect(runs).toBe(0);
    expect(h.starts).toEqual([]);
    await h.stop();
  });
});

describe('Scheduler: re-checks of a failing monitor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const DOWN: ProbeOutcome = { status: 'down', reason: 'refused', message: 'refused', latencyMs: 1 };

  /**
   * Stands in for the engine: the unconfirmed failure streak of a monitor in the results so far,
   * reset by a good check, cleared once `confirmAt` failures confirm it.
   */
  function streakOf(
    results: readonly { id: string; outcome: ProbeOutcome }[],
    id: string,
    confirmAt: number,
  ) {
    let n = 0;
    let confirmed = false;
    for (const r of results) {
      if (r.id !== id) continue;
      if (r.outcome.status === 'up') [n, confirmed] = [0, false];
      else if (!confirmed && ++n >= confirmAt) [n, confirmed] = [0, true];
    }
    return n;
  }

  /** A probe failing from `from` on (scheduler clock), answering after `latencyMs`. */
  const failingFrom =
    (from: number, latencyMs = 0): Run =>
    async () => {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return Date.now() >= from ? DOWN : UP;
    };

  it('re-checks a first failure after 2 s, 4 s, 8 s… until confirmed, then goes back to its interval', async () => {
    const intervalMs = 60_000;
    const m = monitor('flaky-http', every(intervalMs), failingFrom(T0 + intervalMs, 300));
    const h = harness([m], undefined, { pendingFailures: (x) => streakOf(h.results, x.id, 5) });
    const first = firstSlot(m.id, intervalMs, T0);
    h.scheduler.start();
    await h.advance(5 * intervalMs);
    const slots = startsOf(h.starts, m.id).map((x) => x.slot);
    // The first grid slot at or after the failure began.
    const failedFirst = first + Math.ceil((T0 + intervalMs - first) / intervalMs) * intervalMs;
    const extra = [2000, 4000, 8000, 8000];
    const expected: number[] = [...gridSlots(first, intervalMs, T0, failedFirst - 1), failedFirst];
    let at = failedFirst;
    for (const d of extra) {
      at += 300 + d; // each re-check comes its delay after the previous result
      expected.push(at);
    }
    expected.push(...gridSlots(failedFirst + intervalMs, intervalMs, T0, T0 + 5 * intervalMs));
    expect(slots.filter((x) => x < T0 + 5 * intervalMs)).toEqual(
      expected.filter((x) => x < T0 + 5 * intervalMs),
    );
    expect(h.skips).toEqual([]);
    await h.stop();
  });

  it('goes back to its interval when a re-check passes', async () => {
    const intervalMs = 60_000;
    let calls = 0;
    const blip: Run = () => Promise.resolve(++calls === 2 ? DOWN : UP); // only the second check fails
    const m = monitor('blip', every(intervalMs), blip);
    const h = harness([m], undefined, { pendingFailures: (x) => streakOf(h.results, x.id, 5) });
    const first = firstSlot(m.id, intervalMs, T0);
    h.scheduler.start();
    await h.advance(4 * intervalMs);
    const slots = startsOf(h.starts, m.id).map((x) => x.slot);
    expect(slots.slice(0, 5)).toEqual([
      first,
      first + intervalMs,
      first + intervalMs + 2000,
      first + 2 * intervalMs,
      first + 3 * intervalMs,
    ]);
    await h.stop();
  });

  it('does not re-check a monitor whose interval is shorter than the first re-check delay', async () => {
    const m = monitor('every-second', every(1000), failingFrom(T0));
    const h = harness([m], undefined, { pendingFailures: () => 1 });
    h.scheduler.start();
    await h.advance(20_000);
    const slots = startsOf(h.starts, m.id).map((x) => x.slot);
    expect(slots).toEqual(gridSlots(firstSlot(m.id, 1000, T0), 1000, T0, T0 + 20_000));
    await h.stop();
  });

  /** The most re-checks (starts off their monitor's grid) running at once, each taking `latencyMs`. */
  function maxRechecksRunning(
    starts: readonly Start[],
    gridOf: ReadonlyMap<string, number>,
    intervalMs: number,
    latencyMs: number,
  ): number {
    const edges = starts
      .filter((x) => x.slot % intervalMs !== gridOf.get(x.id))
      .flatMap((x) => [
        { at: x.startedAt, d: 1 },
        { at: x.startedAt + latencyMs, d: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.d - b.d);
    let running = 0;
    let max = 0;
    for (const e of edges) max = Math.max(max, (running += e.d));
    return max;
  }

  it('bounds re-checks in flight when everything fails at once, leaving the rest on their interval', async () => {
    const intervalMs = 60_000;
    const cap = 3;
    // 120 monitors whose checks all fail after 4 s from the start: our own network is down.
    const monitors = Array.from({ length: 120 }, (_, i) =>
      monitor(`svc-${i}`, every(intervalMs), failingFrom(T0, 4000)),
    );
    const h = harness(monitors, undefined, { pendingFailures: () => 1, maxRechecksInFlight: cap });
    h.scheduler.start();
    await h.advance(intervalMs + 10_000);
    const gridOf = new Map(monitors.map((m) => [m.id, firstSlot(m.id, intervalMs, T0) % intervalMs]));
    expect(maxRechecksRunning(h.starts, gridOf, intervalMs, 4000)).toBe(cap);
    expect(h.dropped.length).toBeGreaterThan(0);
    // Every monitor still gets its regular checks, each at its slot.
    for (const m of monitors) {
      const regular = startsOf(h.starts, m.id).filter((x) => x.slot % intervalMs === gridOf.get(m.id));
      expect(regular.length).toBeGreaterThanOrEqual(1);
    }
    await h.stop();
  });

  it('never makes a regular check wait behind re-checks: they have a budget of their own', async () => {
    const intervalMs = 30_000;
    // 16 monitors under a cap of 8: their regular 4 s checks, spread over the interval, fit; the
    // re-checks of all of them at once would not.
    const monitors = Array.from({ length: 16 }, (_, i) =>
      monitor(`own-${i}`, every(intervalMs), failingFrom(T0, 4000), 5000),
    );
    const h = harness(monitors, 8, { pendingFailures: () => 1, maxRechecksInFlight: 16 });
    h.scheduler.start();
    await h.advance(6 * intervalMs);
    const gridOf = new Map(monitors.map((m) => [m.id, firstSlot(m.id, intervalMs, T0) % intervalMs]));
    const regular = h.starts.filter((x) => x.slot % intervalMs === gridOf.get(x.id));
    const rechecks = h.starts.length - regular.length;
    expect(rechecks).toBeGreaterThan(0);
    for (const r of regular) expect(r.startedAt, r.id).toBe(r.slot);
    await h.stop();
  });

  it('defaults the re-check budget to an eighth of the in-flight cap', async () => {
    const intervalMs = 60_000;
    const monitors = Array.from({ length: 200 }, (_, i) =>
      monitor(`all-${i}`, every(intervalMs), failingFrom(T0, 4000)),
    );
    const h = harness(monitors, 16, { pendingFailures: () => 1 });
    h.scheduler.start();
    await h.advance(intervalMs);
    const gridOf = new Map(monitors.map((m) => [m.id, firstSlot(m.id, intervalMs, T0) % intervalMs]));
    expect(maxRechecksRunning(h.starts, gridOf, intervalMs, 4000)).toBe(2);
    await h.stop();
  });

  it('re-checks at once after a timeout, only if it ends before the next slot, and never a cron monitor', async () => {
    const intervalMs = 60_000;
    const timeoutMs = 10_000;
    const hang: Run = (ctx) =>
      new Promise((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve({ ...DOWN, reason: 'timeout', latencyMs: null })),
      );
    const m = monitor('hangs', every(intervalMs), hang, timeoutMs);
    const c = monitor('cron-hangs', cronSchedule('* * * * *'), hang, timeoutMs);
    const h = harness([m, c], undefined, { pendingFailures: () => 1 });
    const first = firstSlot(m.id, intervalMs, T0);
    h.scheduler.start();
    await h.advanceTo(first + intervalMs + 1);
    const slots = startsOf(h.starts, m.id).map((x) => x.slot);
    // Each re-check starts when the previous check timed out, while one more still ends in time.
    const expected = [first];
    while ((expected.at(-1) ?? 0) + 2 * timeoutMs < first + intervalMs)
      expected.push((expected.at(-1) ?? 0) + timeoutMs);
    expected.push(first + intervalMs);
    expect(slots).toEqual(expected);
    expect(startsOf(h.starts, c.id).every((x) => x.startedAt - x.slot === 0)).toBe(true);
    expect(startsOf(h.starts, c.id).length).toBeLessThanOrEqual(2);
    await h.stop();
  });
});

describe('Scheduler: results handed over after an await (votes between vantage points)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds the monitor running until the hand-over settles: later slots are skipped, never reordered', async () => {
    const handOvers: Deferred<void>[] = [];
    const vantages: (string | undefined)[] = [];
    const m = monitor('a', every(1000), (ctx) => {
      vantages.push(ctx.vantage);
      return Promise.resolve(UP);
    });
    const h = harness([m], undefined, {
      vantage: 'eu-west',
      handOver: () => {
        const d = deferred<void>();
        handOvers.push(d);
        return d.promise;
      },
    });
    h.scheduler.start();
    await h.advance(1000);
    expect(h.results).toHaveLength(1);
    await h.advance(3000);
    // The first result is still being handed over: its monitor is busy, its slots skipped.
    expect(h.results).toHaveLength(1);
    expect(h.skips.length).toBeGreaterThanOrEqual(2);
    expect(h.scheduler.checksInFlight).toBe(1);
    handOvers[0]?.resolve();
    await flush();
    expect(h.scheduler.checksInFlight).toBe(0);
    await h.advance(1000);
    expect(h.results).toHaveLength(2);
    expect(vantages).toEqual(['eu-west', 'eu-west']);
    handOvers[1]?.resolve();
    await h.stop();
  });

  it('asks for the re-check after the hand-over, so it reads the state the result made', async () => {
    let streak = 0;
    const order: string[] = [];
    const m = monitor('a', every(60_000), () =>
      Promise.resolve({ ...UP, status: 'down', reason: 'http-status' }),
    );
    const h = harness([m], undefined, {
      handOver: async () => {
        await Promise.resolve();
        streak += 1;
        order.push('handed over');
      },
      pendingFailures: () => {
        order.push(`asked (streak ${streak})`);
        // One re-check is enough to see the order: later results extend no streak.
        return order.length <= 2 ? streak : 0;
      },
    });
    h.scheduler.start();
    await h.advance(60_000);
    expect(order.slice(0, 2)).toEqual(['handed over', 'asked (streak 1)']);
    // The re-check it asked for ran, and its result was handed over before the next question.
    expect(order.slice(2, 4)).toEqual(['handed over', 'asked (streak 2)']);
    await h.stop();
  });
});
