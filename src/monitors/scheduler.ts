import cron, { type ScheduledTask } from 'node-cron';
import { recheckDelayMs, recheckFits } from '../core/detection/confirmation.js';
import type { Clock, ProbeOutcome } from '../core/model.js';
import type { MonitorConfig } from './monitor-config.js';
import type { Expiry, ExpiryWatcher, ProbeContext } from './probe.js';

/** Default cap on checks in flight at once across all monitors. */
export const DEFAULT_MAX_CONCURRENT_CHECKS = 512;
/** Cron monitors firing on the same expression are spread over this much time. */
export const CRON_SPREAD_MS = 5000;
/** A probe that ignores its abort signal is abandoned this long after its timeout. */
const ABANDON_GRACE_MS = 1000;
const TICK_MS = 1000;

/** Drives the scheduler once a second. The default is node-cron; tests drive it by hand. */
export interface Ticker {
  start(onTick: () => void): void;
  stop(): void;
}

export function nodeCronTicker(): Ticker {
  let task: ScheduledTask | undefined;
  return {
    start(onTick) {
      task = cron.schedule('* * * * * *', onTick, { noOverlap: false });
    },
    stop() {
      void task?.destroy();
    },
  };
}

export interface SchedulerHooks {
  /**
   * Called with each finished check. Must not throw (nor reject). When it returns a promise (the
   * result is handed over after an await: the votes of several vantage points, docs/cluster.md),
   * the check counts as running until it settles: the monitor's next check waits for it (or is
   * skipped), so results of one monitor are handed over in order, and the re-check decision
   * (`pendingFailures`) reads the state the result made.
   */
  onResult(monitor: MonitorConfig, outcome: ProbeOutcome): void | Promise<void>;
  /** Called when a check starts: `slot` is when it was due. For lateness metrics and benchmarks. */
  onStart?(monitor: MonitorConfig, slot: number, startedAt: number): void;
  /** A check was due while the previous one of the same monitor was still running. */
  onSkip?(monitor: MonitorConfig): void;
  /**
   * Asked after each result: how long the monitor's unconfirmed failure streak is if this result
   * extended it (0 otherwise). While it is > 0 the monitor is re-checked after `recheckDelayMs`
   * instead of at its next interval slot (docs/detection.md). Without this hook there are no
   * re-checks.
   */
  pendingFailures?(monitor: MonitorConfig): number;
  /**
   * Whether this instance checks the monitor now (several instances: only the services it owns);
   * asked at each slot. Absent: every monitor.
   */
  shouldRun?(monitor: MonitorConfig): boolean;
  /** A re-check came due while `maxRechecksInFlight` re-checks were running: it was not run. */
  onRecheckDropped?(monitor: MonitorConfig): void;
}

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly ticker?: Ticker;
  readonly maxConcurrent?: number;
  /**
   * Re-checks allowed in flight at once; default: an eighth of `maxConcurrent`. They have this
   * budget of their own, on top of `maxConcurrent`, so they never hold up a regular check.
   */
  readonly maxRechecksInFlight?: number;
  /** The vantage point every check names (`ProbeContext.vantage`); absent: none. */
  readonly vantage?: string;
}

/** Re-checks get their own in-flight limit: an eighth of the checks' cap, at least one. */
export function rechecksInFlightFor(maxConcurrent: number): number {
  return Math.max(1, Math.floor(maxConcurrent / 8));
}

/**
 * Runs every monitor on its schedule. Interval monitors get a stable phase from their id, so the
 * checks of one minute are spread over it instead of all firing on the same second; a global cap
 * bounds checks in flight; a monitor never overlaps itself; a slow probe holds only its own slot.
 */
export class Scheduler {
  /**
   * Slots by second. A regular slot of an interval monitor is the monitor itself (its slot is found
   * again from its phase grid: one entry object less per monitor, 64 bytes at 100,000 monitors each);
   * a re-check, or a slot of an interval under a second, is a `WheelEntry`.
   */
  private readonly wheel = new Map<number, (MonitorConfig | WheelEntry)[]>();
  /** Monitors with a re-check queued, and re-checks running (bounded by `maxRechecksInFlight`). */
  private readonly recheckQueued = new Set<string>();
  private readonly maxRechecksInFlight: number;
  private rechecksInFlight = 0;
  private readonly running = new Set<string>();
  private readonly waiting: (() => void)[] = [];
  private readonly cronTasks = new Map<string, ScheduledTask>();
  /** Monitors currently scheduled, by id; wheel entries of a removed monitor are dropped when due. */
  private readonly active = new Map<string, MonitorConfig>();
  private started = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly shutdown = new AbortController();
  /** Checks in flight, cancelled by `stop` (a Set: cheaper than a listener per check on `shutdown`). */
  private readonly checks = new Set<CheckRun>();
  private readonly ticker: Ticker;
  private readonly maxConcurrent: number;
  private inFlight = 0;
  private lastTickAt: number | null = null;
  private nextSecond = 0;

  constructor(
    private readonly monitors: readonly MonitorConfig[],
    private readonly hooks: SchedulerHooks,
    private readonly options: SchedulerOptions,
  ) {
    this.ticker = options.ticker ?? nodeCronTicker();
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_CHECKS;
    this.maxRechecksInFlight = options.maxRechecksInFlight ?? rechecksInFlightFor(this.maxConcurrent);
    for (const monitor of monitors) this.active.set(monitor.id, monitor);
  }

  start(): void {
    const now = this.options.clock.now();
    this.nextSecond = Math.floor(now / TICK_MS);
    this.started = true;
    for (const monitor of [...this.active.values()]) this.schedule(monitor, now);
    // Slots before the first tick (the next whole second) are armed now, not at that tick.
    this.armDue(now);
    this.ticker.start(() => this.tick());
  }

  /**
   * Adds a monitor while running (monitors added from chat). Its first check comes at its own phase
   * within its interval, as at start-up. An id already scheduled is replaced.
   */
  addMonitor(monitor: MonitorConfig): void {
    this.removeMonitor(monitor.id);
    if (this.started) this.schedule(monitor, this.options.clock.now());
    else this.active.set(monitor.id, monitor);
  }

  /** Stops scheduling a monitor; a check in flight finishes, but its result is not reported. */
  removeMonitor(monitorId: string): boolean {
    const task = this.cronTasks.get(monitorId);
    if (task) void task.destroy();
    this.cronTasks.delete(monitorId);
    this.recheckQueued.delete(monitorId);
    return this.active.delete(monitorId);
  }

  /**
   * Checks an interval monitor now, outside its grid, when its last check (by this instance or
   * another) is an interval old or more: a service taken over from an instance that died is checked
   * at once rather than at its next slot. Within the shared cap; its slots go on as before.
   */
  checkOverdue(serviceIds: readonly string[], lastChecked: ReadonlyMap<string, number>): number {
    if (!this.started) return 0;
    const services = new Set(serviceIds);
    const now = this.options.clock.now();
    let started = 0;
    for (const monitor of this.active.values()) {
      if (monitor.serviceId === null || !services.has(monitor.serviceId)) continue;
      if (monitor.schedule.kind !== 'every') continue;
      const last = lastChecked.get(monitor.id);
      if (last !== undefined && now - last < monitor.schedule.ms) continue;
      void this.run(monitor, now);
      started++;
    }
    return started;
  }

  /** Whether a monitor id is scheduled. */
  hasMonitor(monitorId: string): boolean {
    return this.active.has(monitorId);
  }

  private schedule(monitor: MonitorConfig, now: number): void {
    this.active.set(monitor.id, monitor);
    if (monitor.schedule.kind === 'every')
      this.enqueue(monitor, firstSlot(monitor.id, monitor.schedule.ms, now));
    else this.startCron(monitor, monitor.schedule.expression);
  }

  /** Stops scheduling and aborts checks in flight; resolves when they have all settled. */
  async stop(): Promise<void> {
    this.ticker.stop();
    for (const task of this.cronTasks.values()) void task.destroy();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.shutdown.abort();
    for (const check of this.checks) check.cancel(this.shutdown.signal.reason);
    while (this.inFlight > 0 || this.rechecksInFlight > 0 || this.waiting.length > 0) {
      this.waiting.splice(0).forEach((wake) => wake());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** When the scheduler last ticked (for /healthz), or null before the first tick. */
  get lastTick(): number | null {
    return this.lastTickAt;
  }

  /** Checks in flight, re-checks included. */
  get checksInFlight(): number {
    return this.inFlight + this.rechecksInFlight;
  }

  /** Starts the checks due in the coming second, each at its own slot within it. */
  tick(): void {
    const now = this.options.clock.now();
    this.lastTickAt = now;
    this.armDue(now);
  }

  /** Arms every slot up to the end of the coming second that no tick has armed yet. */
  private armDue(now: number): void {
    const upTo = Math.floor(now / TICK_MS) + 1;
    // Every second since the last tick is visited, so a late tick (a blocked event loop) loses no monitor.
    for (let s = this.nextSecond; s <= upTo; s++) {
      const due = this.wheel.get(s);
      if (!due) continue;
      this.wheel.delete(s);
      for (const entry of due) {
        if (entry instanceof WheelEntry) this.startAt(entry.monitor, entry.slot, now, entry.recheck);
        else this.startAt(entry, gridSlotIn(s, entry), now);
      }
    }
    this.nextSecond = upTo + 1;
  }

  private enqueue(monitor: MonitorConfig, slot: number, recheck = false): void {
    const second = Math.floor(slot / TICK_MS);
    if (this.started && second < this.nextSecond) {
      // A second the ticks have already armed (a monitor added between ticks): no tick reads it again.
      this.startAt(monitor, slot, this.options.clock.now(), recheck);
      return;
    }
    const entry =
      !recheck && monitor.schedule.kind === 'every' && monitor.schedule.ms >= TICK_MS
        ? monitor
        : new WheelEntry(monitor, slot, recheck);
    const list = this.wheel.get(second);
    if (list) list.push(entry);
    else this.wheel.set(second, [entry]);
  }

  private startAt(monitor: MonitorConfig, slot: number, now: number, recheck = false): void {
    if (recheck) this.recheckQueued.delete(monitor.id);
    if (this.active.get(monitor.id) !== monitor) return; // removed (or replaced) since it was queued
    // A re-check is an extra slot: the monitor's own grid goes on from its regular slots.
    if (monitor.schedule.kind === 'every' && !recheck)
      this.enqueue(monitor, nextSlot(slot, monitor.schedule.ms, now));
    const delay = slot - now;
    if (delay <= 0) {
      void this.run(monitor, slot, recheck);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(monitor, slot, recheck);
    }, delay);
    this.timers.add(timer);
  }

  private startCron(monitor: MonitorConfig, expression: string): void {
    const spread = phaseOf(monitor.id, CRON_SPREAD_MS);
    const task = cron.schedule(expression, () => {
      const slot = this.options.clock.now() + spread;
      this.startAt(monitor, slot, this.options.clock.now());
    });
    this.cronTasks.set(monitor.id, task);
  }

  private async run(monitor: MonitorConfig, slot: number, recheck = false): Promise<void> {
    // Stopped, or removed (or replaced) after this slot's timer was armed.
    if (this.shutdown.signal.aborted || this.active.get(monitor.id) !== monitor) return;
    if (this.hooks.shouldRun?.(monitor) === false) return;
    if (this.running.has(monitor.id)) {
      if (!recheck) this.hooks.onSkip?.(monitor);
      return;
    }
    if (recheck && this.rechecksInFlight >= this.maxRechecksInFlight) {
      this.hooks.onRecheckDropped?.(monitor);
      return;
    }
    this.running.add(monitor.id);
    let reported: ProbeOutcome | undefined;
    try {
      // A re-check runs on its own budget, taken above: it never waits for, or holds, a slot of
      // the shared cap, so regular and control checks never queue behind re-checks.
      if (recheck) this.rechecksInFlight++;
      else await this.acquire();
      if (this.shutdown.signal.aborted) return;
      this.hooks.onStart?.(monitor, slot, this.options.clock.now());
      const run = new CheckRun(monitor.timeoutMs, this.options.vantage);
      this.checks.add(run);
      const outcome = await run.probe(monitor).finally(() => this.checks.delete(run));
      if (!this.shutdown.signal.aborted && this.active.get(monitor.id) === monitor) {
        const handedOver = this.hooks.onResult(monitor, outcome);
        if (handedOver !== undefined) await handedOver;
        reported = outcome;
      }
    } finally {
      this.running.delete(monitor.id);
      if (recheck) this.rechecksInFlight--;
      else this.release();
    }
    // Once this check no longer counts as running: a re-check due at once must not be skipped.
    if (reported) this.scheduleRecheck(monitor, reported);
  }

  /**
   * After a result that extended the monitor's unconfirmed failure streak: its next check comes
   * `recheckDelayMs` after this result (at once after a timeout), unless it could not end before
   * the monitor's next regular slot, or one is already queued. Interval monitors only: a cron
   * monitor keeps to its expression. Many monitors failing at once (our own network down) add a
   * bounded load: at most `maxRechecksInFlight` re-checks run at a time, the rest are dropped when
   * due and those monitors keep their regular slots; the vantage guard then clears their streaks.
   */
  private scheduleRecheck(monitor: MonitorConfig, outcome: ProbeOutcome): void {
    if (monitor.schedule.kind !== 'every' || !this.hooks.pendingFailures) return;
    if (this.recheckQueued.has(monitor.id)) return;
    const timedOut = outcome.reason === 'timeout';
    const delay = recheckDelayMs(this.hooks.pendingFailures(monitor), monitor.intervalMs, timedOut);
    if (delay === null) return;
    const now = this.options.clock.now();
    const at = now + delay;
    if (!recheckFits(at, monitor.timeoutMs, firstSlot(monitor.id, monitor.schedule.ms, now + 1))) return;
    this.recheckQueued.add(monitor.id);
    this.enqueue(monitor, at, true);
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.maxConcurrent) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.inFlight++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.waiting.shift()?.();
  }
}

/**
 * Runs one probe with its timeout and the shutdown signal. Never rejects: a probe that throws (a bug)
 * or ignores its signal still yields an outcome, so a monitor's slot is always released.
 */
export async function runProbe(monitor: MonitorConfig, shutdown: AbortSignal): Promise<ProbeOutcome> {
  const run = new CheckRun(monitor.timeoutMs);
  if (shutdown.aborted) run.cancel(shutdown.reason);
  else shutdown.addEventListener('abort', run, { once: true });
  try {
    return await run.probe(monitor);
  } finally {
    shutdown.removeEventListener('abort', run);
  }
}

/**
 * One check's context, timer and fallback. It is the probe's `ProbeContext`: its signal is made only
 * if the probe reads it, and `runWithDeadline` watches it directly (`watch`), so a check makes no
 * AbortController, no event listener and no closure of its own unless a probe needs a signal (an
 * AbortController plus two listeners per check were a tenth of the probe's CPU on a loopback target).
 * At the timeout it expires with a TimeoutError; a probe that ignores that gets ABANDON_GRACE_MS more,
 * then the check ends without it.
 */
class CheckRun implements ProbeContext {
  private controller: AbortController | undefined;
  private expired: { why: Expiry; reason: unknown } | undefined;
  private watchers: ExpiryWatcher[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settle: ((outcome: ProbeOutcome) => void) | undefined;

  constructor(
    readonly timeoutMs: number,
    readonly vantage?: string,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.expired) this.controller.abort(this.expired.reason);
    }
    return this.controller.signal;
  }

  watch(watcher: ExpiryWatcher): void {
    if (this.expired) watcher.expire(this.expired.why);
    else (this.watchers ??= []).push(watcher);
  }

  /** Runs the probe under this context; settles with its outcome, its failure, or the give-up. */
  probe(monitor: MonitorConfig): Promise<ProbeOutcome> {
    return new Promise<ProbeOutcome>((resolve) => {
      this.settle = resolve;
      if (!this.expired) this.timer = setTimeout(checkTimedOut, this.timeoutMs, this);
      let running: Promise<ProbeOutcome>;
      try {
        running = monitor.probe.run(monitor.options, this);
      } catch (err) {
        running = Promise.reject(err as Error); // a probe that throws at once (a bug) is a failed check too
      }
      running.then(
        (outcome) => this.end(outcome),
        (err: unknown) =>
          this.end({
            status: 'unknown',
            reason: 'error',
            message: `probe failed: ${(err as Error).message}`,
            latencyMs: null,
          }),
      );
    });
  }

  /** Shutdown: the 'abort' event of the shutdown signal, or the scheduler stopping. */
  handleEvent(event: Event): void {
    this.cancel((event.target as AbortSignal).reason);
  }

  cancel(reason: unknown): void {
    this.expire('aborted', reason);
  }

  timedOut(): void {
    this.expire('timeout', new DOMException('check timed out', 'TimeoutError'));
    this.timer = setTimeout(checkAbandoned, ABANDON_GRACE_MS, this);
  }

  giveUp(): void {
    this.end({ status: 'down', reason: 'timeout', message: 'check did not finish in time', latencyMs: null });
  }

  private expire(why: Expiry, reason: unknown): void {
    if (this.expired) return;
    this.expired = { why, reason };
    this.controller?.abort(reason);
    for (const watcher of this.watchers ?? []) watcher.expire(why);
  }

  private end(outcome: ProbeOutcome): void {
    clearTimeout(this.timer);
    this.watchers = undefined;
    this.settle?.(outcome);
    this.settle = undefined;
  }
}

function checkTimedOut(run: CheckRun): void {
  run.timedOut();
}

function checkAbandoned(run: CheckRun): void {
  run.giveUp();
}

/** A stable pseudo-random offset in [0, range) from a monitor id (FNV-1a). */
export function phaseOf(id: string, range: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % Math.max(1, range);
}

/** A slot in the scheduler's wheel that is not a regular slot on the monitor's grid. */
class WheelEntry {
  constructor(
    readonly monitor: MonitorConfig,
    readonly slot: number,
    readonly recheck: boolean,
  ) {}
}

/**
 * The regular slot of an interval monitor (interval of a second or more) within `second`: its
 * phase grid has one point there at most, the one it was queued for.
 */
function gridSlotIn(second: number, monitor: MonitorConfig): number {
  const ms = monitor.schedule.kind === 'every' ? monitor.schedule.ms : TICK_MS;
  const start = second * TICK_MS;
  const phase = phaseOf(monitor.id, ms);
  return start + ((((phase - start) % ms) + ms) % ms);
}

/** The first slot at or after `now` on the monitor's phase grid. */
export function firstSlot(id: string, intervalMs: number, now: number): number {
  const phase = phaseOf(id, intervalMs);
  const base = now - (now % intervalMs) + phase;
  return base >= now ? base : base + intervalMs;
}

/** The slot after `slot`, skipping slots already in the past (after a stall) instead of bunching them. */
export function nextSlot(slot: number, intervalMs: number, now: number): number {
  let next = slot + intervalMs;
  if (next <= now) next += Math.ceil((now - next) / intervalMs) * intervalMs;
  return next;
}
