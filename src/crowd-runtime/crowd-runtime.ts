import cron, { type ScheduledTask } from 'node-cron';
import type { Awaitable } from '../core/awaitable.js';
import type { ServiceDef } from '../core/catalog.js';
import {
  type CrowdDetectorState,
  createCrowdDetector,
  stepCrowdDetector,
  summariseKinds,
  summariseWindow,
  WINDOW_MS,
  windowStart,
  type WindowSummary,
} from '../core/crowd/index.js';
import type { CrowdVerdict } from '../core/crowd/crowd-decision.js';
import type { CrowdView } from '../core/detection/service-status.js';
import type { Clock } from '../core/model.js';
import type { CrowdReportWindows } from '../db/sqlite-report-store.js';
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

/**
 * Runs the pure crowd detector (`src/core/crowd`) over the stored reports: after each 5-minute
 * window it counts the window's distinct reporters per service (per-chat cap included), steps
 * the detector, persists its state and tells the engine the crowd's view. Windows of a service
 * with an open incident are stepped with `inIncident`, so the outage never becomes its baseline.
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
  private readonly states = new Map<string, CrowdDetectorState>();
  private readonly told = new Map<string, string>();
  private readonly recentViews = new Map<string, { readonly key: string; readonly view: CrowdView }>();
  private task: ScheduledTask | null = null;
  /** The scheduled step in progress, if any: the next one due meanwhile is skipped. */
  private stepping: Promise<void> | null = null;
  /** The end of the last step started (scheduled or called) while it runs: the next one waits for it. */
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: CrowdRuntimeDeps) {}

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
    return this.chained(async () => {
      const crowdServices = this.deps.services.filter((service) => service.crowd);
      const views = new Map<string, CrowdView>();
      for (let from = 0; from < crowdServices.length; from += STEP_SLICE_SERVICES) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        if (this.stopped) break;
        for (const [id, view] of await this.stepServices(
          crowdServices.slice(from, from + STEP_SLICE_SERVICES),
          now,
        )) {
          views.set(id, view);
        }
      }
      return views;
    });
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
    return this.chained(() =>
      this.stepServices(
        this.deps.services.filter((service) => service.crowd),
        now,
      ),
    );
  }

  /**
   * Steps `services` to the last window ended by `now` and saves their states in one transaction.
   * One query finds the services anybody reported on in the windows that can be evaluated; the
   * others (most of them, most of the time) are stepped with an empty window without a query.
   */
  private async stepServices(services: readonly ServiceDef[], now: number): Promise<Map<string, CrowdView>> {
    const lastEnded = windowStart(now) - WINDOW_MS;
    const reported = await this.deps.windows.reportedServices(
      lastEnded - (MAX_CATCH_UP_WINDOWS - 1) * WINDOW_MS,
      lastEnded + WINDOW_MS,
    );
    const views = new Map<string, CrowdView>();
    const stepped = new Map<string, CrowdDetectorState>();
    for (const service of services) {
      const result = await this.stepService(service.id, lastEnded, reported.has(service.id));
      if (result === null) continue;
      stepped.set(service.id, result.state);
      views.set(service.id, result.view);
    }
    if (stepped.size > 0) await this.deps.windows.saveDetectors(stepped, now);
    for (const [serviceId, view] of views) this.tell(serviceId, view);
    return views;
  }

  /**
   * The detector state in force for a service (for the community notices and tests): kept in
   * memory once read, so only a service's first call reads the store.
   */
  detectorState(serviceId: string): Awaitable<CrowdDetectorState> {
    return this.states.get(serviceId) ?? this.stateOf(serviceId);
  }

  private async stateOf(serviceId: string): Promise<CrowdDetectorState> {
    let state = this.states.get(serviceId);
    if (state === undefined) {
      const loaded = (await this.deps.windows.loadDetector(serviceId)) ?? createCrowdDetector();
      // A concurrent first read may have stored it meanwhile: keep the one already in force.
      state = this.states.get(serviceId) ?? loaded;
      this.states.set(serviceId, state);
    }
    return state;
  }

  /**
   * Tells the engine every crowd alert still in force in the stored state, as the last evaluated
   * window left it. Run at start-up, before the first check: without it the engine would see no
   * crowd until the next window and resolve a crowd-only incident that is still going on.
   */
  async restore(): Promise<void> {
    for (const service of this.deps.services) {
      if (!service.crowd) continue;
      const state = await this.stateOf(service.id);
      const last = state.recent.at(-1);
      if (state.level === 'none' || last === undefined) continue;
      const summary = summariseWindow(
        await this.deps.windows.reportsBetween(service.id, last.windowStart, last.windowStart + WINDOW_MS),
      );
      const view = toView(state, summary, { strong: false });
      this.told.set(service.id, JSON.stringify(view));
      this.deps.engine.setCrowd(service.id, view);
    }
  }

  private async stepService(
    serviceId: string,
    lastEnded: number,
    reported: boolean,
  ): Promise<{ state: CrowdDetectorState; view: CrowdView } | null> {
    let state = this.states.get(serviceId) ?? (await this.stateOf(serviceId));
    const previous = state.recent.at(-1)?.windowStart;
    if (previous !== undefined && previous >= lastEnded) return null;
    const first =
      previous === undefined
        ? lastEnded
        : Math.max(previous + WINDOW_MS, lastEnded - (MAX_CATCH_UP_WINDOWS - 1) * WINDOW_MS);
    const inIncident = this.deps.engine.openIncident(serviceId) !== undefined;
    let last: { summary: WindowSummary; verdict: CrowdVerdict } | null = null;
    for (let start = first; start <= lastEnded; start += WINDOW_MS) {
      const summary = reported
        ? summariseWindow(await this.deps.windows.reportsBetween(serviceId, start, start + WINDOW_MS))
        : NO_REPORTS;
      const stepped = stepCrowdDetector(state, summary, start, { inIncident });
      state = stepped.state;
      last = { summary, verdict: stepped.verdict };
    }
    if (last === null) return null;
    this.states.set(serviceId, state);
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
