import cron, { type ScheduledTask } from 'node-cron';
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
 * `step` is synchronous and idempotent per window: the app calls it from node-cron, the replay
 * and the tests call it with their own clock.
 */
export class CrowdRuntime {
  private readonly states = new Map<string, CrowdDetectorState>();
  private readonly told = new Map<string, string>();
  private task: ScheduledTask | null = null;

  constructor(private readonly deps: CrowdRuntimeDeps) {}

  /**
   * Tells the engine the crowd alerts in force from the stored detector state, then schedules
   * `step` (and the pruning of old reports) with node-cron, on wall-clock windows.
   */
  start(): void {
    this.restore();
    this.task = cron.schedule(CROWD_CRON, () => {
      try {
        const now = this.deps.clock.now();
        this.step(now);
        this.deps.windows.prune?.(now - REPORT_RETENTION_MS);
      } catch (err) {
        this.deps.log?.error({ err }, 'crowd step failed');
      }
    });
  }

  /** Stops the schedule and writes the reports still queued, so none is lost at shutdown. */
  stop(): void {
    void this.task?.destroy();
    this.task = null;
    this.deps.windows.flush?.();
  }

  /**
   * Evaluates every window that ended by `now` and was not evaluated yet, for every crowd
   * service; returns the view given to the engine per service.
   */
  step(now: number = this.deps.clock.now()): Map<string, CrowdView> {
    const lastEnded = windowStart(now) - WINDOW_MS;
    const views = new Map<string, CrowdView>();
    for (const service of this.deps.services) {
      if (!service.crowd) continue;
      const view = this.stepService(service.id, lastEnded, now);
      if (view !== null) views.set(service.id, view);
    }
    return views;
  }

  /** The detector state in force for a service (for the status API and tests). */
  detectorState(serviceId: string): CrowdDetectorState {
    return this.stateOf(serviceId);
  }

  private stateOf(serviceId: string): CrowdDetectorState {
    let state = this.states.get(serviceId);
    if (state === undefined) {
      state = this.deps.windows.loadDetector(serviceId) ?? createCrowdDetector();
      this.states.set(serviceId, state);
    }
    return state;
  }

  /**
   * Tells the engine every crowd alert still in force in the stored state, as the last evaluated
   * window left it. Run at start-up, before the first check: without it the engine would see no
   * crowd until the next window and resolve a crowd-only incident that is still going on.
   */
  restore(): void {
    for (const service of this.deps.services) {
      if (!service.crowd) continue;
      const state = this.stateOf(service.id);
      const last = state.recent.at(-1);
      if (state.level === 'none' || last === undefined) continue;
      const summary = summariseWindow(
        this.deps.windows.reportsBetween(service.id, last.windowStart, last.windowStart + WINDOW_MS),
      );
      const view = toView(state, summary, { strong: false });
      this.told.set(service.id, JSON.stringify(view));
      this.deps.engine.setCrowd(service.id, view);
    }
  }

  private stepService(serviceId: string, lastEnded: number, now: number): CrowdView | null {
    let state = this.stateOf(serviceId);
    const previous = state.recent.at(-1)?.windowStart;
    if (previous !== undefined && previous >= lastEnded) return null;
    const first =
      previous === undefined
        ? lastEnded
        : Math.max(previous + WINDOW_MS, lastEnded - (MAX_CATCH_UP_WINDOWS - 1) * WINDOW_MS);
    const inIncident = this.deps.engine.openIncident(serviceId) !== undefined;
    let last: { summary: WindowSummary; verdict: CrowdVerdict } | null = null;
    for (let start = first; start <= lastEnded; start += WINDOW_MS) {
      const summary = summariseWindow(this.deps.windows.reportsBetween(serviceId, start, start + WINDOW_MS));
      const stepped = stepCrowdDetector(state, summary, start, { inIncident });
      state = stepped.state;
      last = { summary, verdict: stepped.verdict };
    }
    if (last === null) return null;
    this.states.set(serviceId, state);
    this.deps.windows.saveDetector(serviceId, state, now);
    const view = toView(state, last.summary, last.verdict);
    const key = JSON.stringify(view);
    if (this.told.get(serviceId) !== key) {
      this.told.set(serviceId, key);
      this.deps.engine.setCrowd(serviceId, view);
    }
    return view;
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
