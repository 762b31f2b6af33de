import cron, { type ScheduledTask } from 'node-cron';
import type { Awaitable } from '../core/awaitable.js';
import type { ServiceDef } from '../core/catalog.js';
import {
  type CrowdDetectorState,
  createCrowdDetector,
  stepCrowdDetector,
  summariseKinds,
  summariseWindow,
  uniformSlotTable,
  WINDOW_MS,
  windowStart,
  type WindowSummary,
} from '../core/crowd/index.js';
import type { CrowdVerdict } from '../core/crowd/crowd-decision.js';
import type { CrowdView } from '../core/detection/service-status.js';
import type { Clock } from '../core/model.js';
import { type CrowdReportWindows, storedText } from '../db/sqlite-report-store.js';
import type { Logger } from '../logging.js';

/**
 * Every five minutes, five seconds past the window's end: reports stamped in the window's last
 * second have landed by then.
 */
export const CROWD_CRON = '5 */5 * * * *';
/**
 * Windows missed while the process was stopped are evaluated on the next step, up to this many
 * (an hour), so the baseline learns them; older gaps are skipped, which the detector treats as gaps.
 */
export const MAX_CATCH_UP_WINDOWS = 12;
/**
 * Reports are kept this long, then pruned by the scheduled step: what the detector learned from
 * them lives on in its baseline, and a week is enough to look back at an incident's reports.
 */
export const REPORT_RETENTION_MS = 7 * 24 * 60 * 60_000;
/**
 * The scheduled step evaluates this many services per event-loop turn (one transaction each), so
 * 10,000 services never hold up the checks due meanwhile: about 60 µs a service, so a turn takes
 * a few milliseconds.
 */
export const STEP_SLICE_SERVICES = 100;
/**
 * The row the quiet detector (`CrowdRuntime`) is stored under among the services' rows: no service
 * id can take it (ids start with a lowercase letter or a digit).
 */
export const QUIET_DETECTOR_ID = '*quiet';
/** Stored detector states read per event-loop turn at start. */
export const RESTORE_PAGE_STATES = 200;
/** Stored rows deleted per event-loop turn when a store written before the quiet detector is read. */
const DROP_PAGE_STATES = 1000;

/** An evaluated window with nobody reporting. */
const NO_REPORTS = summariseWindow([]);

/** What the runtime needs of the detection engine. */
export interface CrowdEngine {
  setCrowd(serviceId: string, crowd: CrowdView): void;
  /** Whether the service has an open incident (its windows are not normal traffic). */
  openIncident(serviceId: string): unknown;
}

export interface CrowdRuntimeDeps {
  /** The services with `crowd: true` are watched; others are ignored. */
  readonly services: readonly ServiceDef[];
  readonly windows: CrowdReportWindows;
  readonly engine: CrowdEngine;
  readonly clock: Clock;
  readonly log?: Pick<Logger, 'error'>;
}

/** A step's result for one detector: the state to keep and the view to give the engine. */
interface Stepped {
  readonly state: CrowdDetectorState;
  readonly view: CrowdView;
}

/**
 * Runs the pure crowd detector (`src/core/crowd`) over the stored reports: after each 5-minute
 * window it counts the window's distinct reporters per service (per-chat cap included), steps
 * the detector, persists its state and tells the engine the crowd's view. Windows of a service
 * with an open incident are stepped with `inIncident`, so the outage never becomes its baseline.
 *
 * Most services are never reported on, and every one of those is in the same state: the one an
 * empty window after another leaves. The runtime keeps that state once, the quiet detector, steps
 * it once per window and stores it in one row (`QUIET_DETECTOR_ID`). Only a service with reports
 * in the windows being stepped, with an open incident, or whose state differs from the quiet one
 * has a state of its own, in memory and stored; a step loads nothing and saves only those. A
 * service whose state becomes the quiet one again (exactly: the same stored form) loses its own
 * state and row. So a step costs in proportion to the services with reports or a state of their
 * own, and what each service is stepped through is what it would be with one state each.
 *
 * Stepping is idempotent per window. The app runs `stepInSlices` from node-cron, a slice of
 * services per event-loop turn; the replay and the tests call `step` with their own clock. The
 * store's reads and writes are awaited (`Awaitable`: SQLite answers at once, PostgreSQL later), so
 * a step takes time; two steps never run at once: a scheduled step that comes while one is still
 * running is skipped (the next one catches its windows up, `MAX_CATCH_UP_WINDOWS`, so queuing it
 * behind a slow database would only pile steps up), and a `step` or `stepInSlices` called while
 * another runs waits for it to end first (they are chained).
 */
export class CrowdRuntime {
  /** The services whose state is not the quiet detector's. */
  private readonly states = new Map<string, CrowdDetectorState>();
  /** The state of every crowd service not in `states`. */
  private quiet: CrowdDetectorState = createCrowdDetector();
  /** The stored states read (`load`): once, before the first step or state asked for. */
  private loading: Promise<void> | null = null;
  private loaded = false;
  private readonly crowdServices: readonly ServiceDef[];
  private readonly crowdIds: ReadonlySet<string>;
  private readonly told = new Map<string, string>();
  private readonly recentViews = new Map<string, { readonly key: string; readonly view: CrowdView }>();
  private task: ScheduledTask | null = null;
  /** The scheduled step in progress, if any: the next one due meanwhile is skipped. */
  private stepping: Promise<void> | null = null;
  /** The end of the last step started (scheduled or called) while it runs: the next one waits for it. */
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: CrowdRuntimeDeps) {
    this.crowdServices = deps.services.filter((service) => service.crowd);
    this.crowdIds = new Set(this.crowdServices.map((service) => service.id));
  }

  /**
   * Tells the engine the crowd alerts in force from the stored detector state, then schedules
   * `step` (and the pruning of old reports) with node-cron, on wall-clock windows.
   */
  async start(): Promise<void> {
    await this.restore();
    this.task = cron.schedule(CROWD_CRON, () => {
      if (this.stepping !== null) return;
      const now = this.deps.clock.now();
      this.stepping = this.stepInSlices(now)
        .then(async () => {
          await this.deps.windows.prune?.(now - REPORT_RETENTION_MS);
        })
        .catch((err: unknown) => {
          this.deps.log?.error({ err }, 'crowd step failed');
        })
        .finally(() => {
          this.stepping = null;
        });
    });
  }

  /**
   * `step`, `STEP_SLICE_SERVICES` services per event-loop turn; resolves when every service is
   * evaluated (or the runtime is stopped). Each service ends where `step` would have left it.
   */
  stepInSlices(now: number = this.deps.clock.now()): Promise<Map<string, CrowdView>> {
    return this.chained(() => this.stepAll(now, STEP_SLICE_SERVICES));
  }

  /**
   * Runs `run` at once when no step is running, else after the running one has ended (however it
   * ended): at once, so a step's first slice starts before its caller goes on.
   */
  private chained<T>(run: () => Promise<T>): Promise<T> {
    const next = this.running === null ? run() : this.running.then(run, run);
    const ended = next.then(
      () => undefined,
      () => undefined,
    );
    this.running = ended;
    void ended.then(() => {
      if (this.running === ended) this.running = null;
    });
    return next;
  }

  /**
   * Stops the schedule and writes the reports still queued, so none is lost at shutdown. A step
   * in progress finishes its slice and starts no other.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    void this.task?.destroy();
    this.task = null;
    await this.deps.windows.flush?.();
  }

  /**
   * Evaluates every window that ended by `now` and was not evaluated yet, for every crowd
   * service; returns the view given to the engine per service.
   */
  step(now: number = this.deps.clock.now()): Promise<Map<string, CrowdView>> {
    return this.chained(() => this.stepAll(now, Math.max(this.crowdServices.length, 1)));
  }

  /**
   * Steps every crowd service to the last window ended by `now`, `sliceSize` services per
   * event-loop turn, each slice's states saved in one transaction. One query finds the services
   * anybody reported on in the windows that can be evaluated. The quiet detector is stepped once;
   * a service with no state of its own, no reports and no open incident takes its result without
   * being stepped, loaded or saved. The quiet detector's new state is kept (and stored, in the
   * last slice's transaction) only once every slice is done: a service further on is still in
   * the old one meanwhile, and a step stopped half-way leaves the rest where they were.
   */
  private async stepAll(now: number, sliceSize: number): Promise<Map<string, CrowdView>> {
    await this.load();
    const lastEnded = windowStart(now) - WINDOW_MS;
    const reported = await this.deps.windows.reportedServices(
      lastEnded - (MAX_CATCH_UP_WINDOWS - 1) * WINDOW_MS,
      lastEnded + WINDOW_MS,
    );
    const quietBefore = this.quiet;
    const quietStep = await this.stepState(null, quietBefore, lastEnded, false, false);
    const quietAfter = quietStep?.state ?? quietBefore;
    const quietKey = quietStep === null ? null : JSON.stringify(quietStep.view);
    const views = new Map<string, CrowdView>();
    /** Services whose state became the quiet detector's: their own state goes once the step is done. */
    const backToQuiet: string[] = [];
    const services = this.crowdServices;
    for (let from = 0; from < services.length; from += sliceSize) {
      if (from > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopped) return views;
      }
      const lastSlice = from + sliceSize >= services.length;
      const stepped = new Map<string, CrowdDetectorState>();
      const toTell: [string, CrowdView][] = [];
      for (const service of services.slice(from, from + sliceSize)) {
        const own = this.states.get(service.id);
        const inIncident = this.deps.engine.openIncident(service.id) !== undefined;
        if (own === undefined && !inIncident && !reported.has(service.id)) {
          if (quietStep === null || quietKey === null) continue;
          views.set(service.id, quietStep.view);
          if (this.told.get(service.id) !== quietKey) toTell.push([service.id, quietStep.view]);
          continue;
        }
        const result = await this.stepState(
          service.id,
          own ?? quietBefore,
          lastEnded,
          reported.has(service.id),
          inIncident,
        );
        if (result === null) continue;
        views.set(service.id, result.view);
        toTell.push([service.id, result.view]);
        this.states.set(service.id, result.state);
        if (sameState(result.state, quietAfter) && this.deps.windows.dropDetectors !== undefined) {
          backToQuiet.push(service.id);
        } else {
          stepped.set(service.id, result.state);
        }
      }
      if (lastSlice && quietStep !== null) stepped.set(QUIET_DETECTOR_ID, quietAfter);
      if (stepped.size > 0) await this.deps.windows.saveDetectors(stepped, now);
      if (lastSlice) {
        this.quiet = quietAfter;
        for (const serviceId of backToQuiet) this.states.delete(serviceId);
        if (backToQuiet.length > 0) await this.deps.windows.dropDetectors?.(backToQuiet);
      }
      for (const [serviceId, view] of toTell) this.tell(serviceId, view);
    }
    return views;
  }

  /**
   * The detector state in force for a service (for the community notices and tests): its own,
   * or the quiet detector's. Only the first call before the stored states are read waits.
   */
  detectorState(serviceId: string): Awaitable<CrowdDetectorState> {
    if (this.loaded) return this.states.get(serviceId) ?? this.quiet;
    return this.load().then(() => this.states.get(serviceId) ?? this.quiet);
  }

  /** Reads the stored states once (`loadStates`); later calls wait for the same reading. */
  private load(): Promise<void> {
    this.loading ??= this.loadStates().then(() => {
      this.loaded = true;
    });
    return this.loading;
  }

  /**
   * Reads the quiet detector and the crowd services' own states, `RESTORE_PAGE_STATES` rows per
   * event-loop turn, so start-up costs in proportion to the states stored, never one long turn.
   * A store written before the quiet detector existed holds a row for every service, most of them
   * alike: the most common quiet state among them becomes the quiet detector, and the rows equal
   * to it are deleted (a page per turn).
   */
  private async loadStates(): Promise<void> {
    const { windows } = this.deps;
    const found = new Map<string, CrowdDetectorState>();
    let storedQuiet: CrowdDetectorState | null = null;
    if (windows.detectorPage !== undefined) {
      let after = '';
      for (;;) {
        const rows = await windows.detectorPage(after, RESTORE_PAGE_STATES);
        for (const { serviceId, state } of rows) {
          if (serviceId === QUIET_DETECTOR_ID) storedQuiet = state;
          else if (this.crowdIds.has(serviceId)) found.set(serviceId, state ?? createCrowdDetector());
        }
        const last = rows.at(-1);
        if (rows.length < RESTORE_PAGE_STATES || last === undefined) break;
        after = last.serviceId;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } else {
      storedQuiet = await windows.loadDetector(QUIET_DETECTOR_ID);
      for (const service of this.crowdServices) {
        const state = await windows.loadDetector(service.id);
        if (state !== null) found.set(service.id, state);
      }
    }
    if (windows.dropDetectors === undefined) {
      // A row that cannot be deleted would fall behind the quiet detector: every row stays a state.
      this.quiet = storedQuiet ?? createCrowdDetector();
      for (const [serviceId, state] of found) this.states.set(serviceId, state);
      return;
    }
    const quiet = storedQuiet ?? mostCommonQuietState(found.values()) ?? createCrowdDetector();
    const equalToQuiet: string[] = [];
    for (const [serviceId, state] of found) {
      if (sameState(state, quiet)) equalToQuiet.push(serviceId);
      else this.states.set(serviceId, state);
    }
    this.quiet = quiet;
    if (equalToQuiet.length === 0) return;
    if (storedQuiet === null) {
      await windows.saveDetectors(new Map([[QUIET_DETECTOR_ID, quiet]]), this.deps.clock.now());
    }
    for (let from = 0; from < equalToQuiet.length; from += DROP_PAGE_STATES) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      await windows.dropDetectors(equalToQuiet.slice(from, from + DROP_PAGE_STATES));
    }
  }

  /**
   * Tells the engine every crowd alert still in force in the stored state, as the last evaluated
   * window left it. Run at start-up, before the first check: without it the engine would see no
   * crowd until the next window and resolve a crowd-only incident that is still going on. Only
   * services with a state of their own can have an alert (the quiet detector never has one).
   */
  async restore(): Promise<void> {
    await this.load();
    for (const [serviceId, state] of [...this.states]) {
      const last = state.recent.at(-1);
      if (state.level === 'none' || last === undefined) continue;
      const summary = summariseWindow(
        await this.deps.windows.reportsBetween(serviceId, last.windowStart, last.windowStart + WINDOW_MS),
      );
      const view = toView(state, summary, { strong: false });
      this.told.set(serviceId, JSON.stringify(view));
      this.deps.engine.setCrowd(serviceId, view);
    }
  }

  /**
   * Steps `state` to the window ending at `lastEnded`, catching missed windows up; null when it
   * is there already. `serviceId` null is the quiet detector (no reports, no incident).
   */
  private async stepState(
    serviceId: string | null,
    state: CrowdDetectorState,
    lastEnded: number,
    reported: boolean,
    inIncident: boolean,
  ): Promise<Stepped | null> {
    const previous = state.recent.at(-1)?.windowStart;
    if (previous !== undefined && previous >= lastEnded) return null;
    const first =
      previous === undefined
        ? lastEnded
        : Math.max(previous + WINDOW_MS, lastEnded - (MAX_CATCH_UP_WINDOWS - 1) * WINDOW_MS);
    let last: { summary: WindowSummary; verdict: CrowdVerdict } | null = null;
    for (let start = first; start <= lastEnded; start += WINDOW_MS) {
      const summary =
        reported && serviceId !== null
          ? summariseWindow(await this.deps.windows.reportsBetween(serviceId, start, start + WINDOW_MS))
          : NO_REPORTS;
      const stepped = stepCrowdDetector(state, summary, start, { inIncident });
      state = stepped.state;
      last = { summary, verdict: stepped.verdict };
    }
    if (last === null) return null;
    return { state, view: toView(state, last.summary, last.verdict) };
  }

  /** Tells the engine a service's view when it differs from what it was last told. */
  private tell(serviceId: string, view: CrowdView): void {
    const key = JSON.stringify(view);
    if (this.told.get(serviceId) === key) return;
    // Quiet services are all told the same: one copy of that view and its text, not one each.
    if (this.recentViews.size >= 64) this.recentViews.clear();
    const shared = this.recentViews.get(key) ?? { key, view };
    this.recentViews.set(key, shared);
    this.told.set(serviceId, shared.key);
    this.deps.engine.setCrowd(serviceId, shared.view);
  }
}

/** Whether two states are the same detector: the same object, or the same stored form. */
function sameState(a: CrowdDetectorState, b: CrowdDetectorState): boolean {
  return a === b || storedText(a) === storedText(b);
}

/**
 * The state most services share among `states`, if at least two do and it is one that only empty
 * windows lead to (no alert, nothing counted, nothing learned but zeros).
 */
function mostCommonQuietState(states: Iterable<CrowdDetectorState>): CrowdDetectorState | null {
  const counts = new Map<string, { state: CrowdDetectorState; count: number }>();
  for (const state of states) {
    if (!onlyEmptyWindows(state)) continue;
    const text = storedText(state);
    const entry = counts.get(text);
    if (entry === undefined) counts.set(text, { state, count: 1 });
    else entry.count += 1;
  }
  let best: { state: CrowdDetectorState; count: number } | null = null;
  for (const entry of counts.values()) if (entry.count >= 2 && entry.count > (best?.count ?? 0)) best = entry;
  return best?.state ?? null;
}

/** A state empty windows alone lead to from a new detector (what the quiet detector can be). */
function onlyEmptyWindows(state: CrowdDetectorState): boolean {
  const { baseline } = state;
  return (
    state.level === 'none' &&
    state.episodeStart === null &&
    state.recent.every((record) => record.quiet && !record.spike) &&
    state.pending.every((entry) => entry.count === 0) &&
    baseline.level === 0 &&
    baseline.variance === 0 &&
    baseline.slotMean === uniformSlotTable(0)
  );
}

/** The crowd's view of a service: the level in force and what the newest window said. */
function toView(
  state: CrowdDetectorState,
  summary: WindowSummary,
  verdict: Pick<CrowdVerdict, 'strong'>,
): CrowdView {
  const top = state.level === 'none' ? undefined : summariseKinds(summary.kinds)[0];
  return {
    level: state.level,
    reporters: summary.effectiveCount,
    ...(top ? { topProblem: { kind: top.kind, share: top.share } } : {}),
    ...(state.episodeStart !== null ? { since: state.episodeStart } : {}),
    strong: verdict.strong,
  };
}
