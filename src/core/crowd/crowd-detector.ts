/**
 * The crowd detector for one service: one pure step per evaluated window, with all memory in a
 * plain JSON-safe state that a store persists between steps (and across restarts).
 * See docs/crowd.md §5 (baseline learning) and §7 (levels), and docs/design.md §3 "Crowd reports".
 */
import { z } from 'zod';
import { createBaseline, expectedCount, updateBaseline, type CrowdBaseline } from './crowd-baseline.js';
import {
  CROWD_LEVELS,
  evaluateWindow,
  PERSISTENCE_WINDOWS,
  type CrowdLevel,
  type CrowdVerdict,
  type WindowRecord,
} from './crowd-decision.js';
import { SLOTS_PER_WEEK, WINDOW_MS, type WindowSummary } from './crowd-window.js';
import { slotTableFromRuns, slotTableFromValues, slotTableRuns } from './slot-table.js';

/** Evaluations older than this cannot be part of a chain (two gaps of up to two windows each). */
const HISTORY_SPAN_MS = 2 * (PERSISTENCE_WINDOWS - 1) * WINDOW_MS;
/**
 * A window is learned only once it can no longer belong to the run-up of an alert: the last
 * evaluation that can use it is two windows later.
 */
const LEARN_DELAY_MS = (PERSISTENCE_WINDOWS - 1) * WINDOW_MS;
/**
 * After an alert has lasted this long, windows are learned again. Without it a service whose
 * normal volume rises for good would stay "down" for ever, its baseline frozen below the new
 * normal. Longer than any outage we expect to announce (Facebook, 4 Oct 2021: about 6 h).
 */
export const MAX_BASELINE_FREEZE_MS = 6 * 60 * 60_000;

/**
 * Everything the detector remembers about one service; `storedCrowdDetector` and
 * `crowdDetectorStateSchema` store it and read it back without changing its behaviour.
 */
export interface CrowdDetectorState {
  readonly version: 2;
  /** The level in force (latched until resolved). */
  readonly level: CrowdLevel;
  /** Start of the window that raised the current alert; null when the level is `none`. */
  readonly episodeStart: number | null;
  /** Recent evaluations, oldest first, for persistence and resolution. */
  readonly recent: readonly WindowRecord[];
  /** Aligned windows waiting `LEARN_DELAY_MS` before the baseline learns them, oldest first. */
  readonly pending: readonly { readonly windowStart: number; readonly count: number }[];
  readonly baseline: CrowdBaseline;
}

/** The state of a service nobody has reported anything about yet: one shared, frozen object. */
const NEW_DETECTOR: CrowdDetectorState = Object.freeze({
  version: 2,
  level: 'none',
  episodeStart: null,
  recent: Object.freeze([]),
  pending: Object.freeze([]),
  baseline: Object.freeze(createBaseline()),
});

/** The state of a service nobody has reported anything about yet. */
export function createCrowdDetector(): CrowdDetectorState {
  return NEW_DETECTOR;
}

/** Options of one step. */
export interface CrowdStepOptions {
  /**
   * The service has an open incident from other evidence (probes, official status): this window
   * is not normal traffic and is not learned.
   */
  readonly inIncident?: boolean;
}

/** The result of one step: the state to persist and the verdict to act on. */
export interface CrowdStep {
  readonly state: CrowdDetectorState;
  readonly verdict: CrowdVerdict;
}

/**
 * Evaluates the window `[windowStart, windowStart + WINDOW_MS)` of one service.
 *
 * Call it once per 5-minute window with `windowStart(at)`; or, for faster first detection, every
 * minute with the trailing five minutes (`windowStart = now - WINDOW_MS`, minute-aligned). Both
 * give the same baseline, because only windows aligned to `WINDOW_MS` are learned, and the same
 * persistence rules, because persistence looks at non-overlapping windows (`selectChain`).
 *
 * The baseline learns a window only after two more windows passed without an alert, and not at
 * all inside an alert (for up to `MAX_BASELINE_FREEZE_MS`) or while `inIncident`, so the run-up
 * and the outage itself never become "normal".
 *
 * @throws RangeError when `windowStart` is not after the previous step's (a caller bug).
 */
export function stepCrowdDetector(
  state: CrowdDetectorState,
  summary: Pick<WindowSummary, 'effectiveCount' | 'distinctChats'>,
  windowStart: number,
  options: CrowdStepOptions = {},
): CrowdStep {
  const key = `${windowStart} ${summary.effectiveCount} ${summary.distinctChats} ${options.inIncident === true}`;
  let taken = stepsFrom.get(state);
  const known = taken?.get(key);
  if (known !== undefined) return known;
  const step = takeStep(state, summary, windowStart, options.inIncident ?? false);
  if (taken === undefined || taken.size >= STEPS_KEPT_PER_STATE) {
    taken = new Map();
    stepsFrom.set(state, taken);
  }
  taken.set(key, step);
  return step;
}

/**
 * The last steps taken from each state, by their inputs. A step is a pure function of them, so
 * services in the same state given the same window (every service nobody reports on, each
 * window) get the same resulting objects: 10,000 quiet services share one state instead of
 * holding 10,000 equal ones. Held only while the state they were taken from is alive.
 */
const stepsFrom = new WeakMap<CrowdDetectorState, Map<string, CrowdStep>>();
/** Different inputs remembered per state (a reported-on service can start from a shared state). */
const STEPS_KEPT_PER_STATE = 4;

function takeStep(
  state: CrowdDetectorState,
  summary: Pick<WindowSummary, 'effectiveCount' | 'distinctChats'>,
  windowStart: number,
  inIncident: boolean,
): CrowdStep {
  const previous = state.recent.at(-1);
  if (previous !== undefined && windowStart <= previous.windowStart) {
    throw new RangeError(
      `crowd window ${windowStart} is not after the previous one (${previous.windowStart})`,
    );
  }
  const verdict = evaluateWindow(state, {
    windowStart,
    observed: summary.effectiveCount,
    expected: expectedCount(state.baseline, windowStart),
    distinctChats: summary.distinctChats,
  });
  const episodeStart = verdict.level === 'none' ? null : (state.episodeStart ?? windowStart);
  const recent = [
    ...state.recent.filter((record) => record.windowStart >= windowStart - HISTORY_SPAN_MS),
    { windowStart, spike: verdict.spike, quiet: verdict.quiet },
  ];
  const frozen = episodeStart !== null && windowStart - episodeStart < MAX_BASELINE_FREEZE_MS;
  const learned = learnWindow(state, windowStart, summary.effectiveCount, frozen, inIncident);
  return { state: { version: 2, level: verdict.level, episodeStart, recent, ...learned }, verdict };
}

/** Queues an aligned window for learning and learns the queued windows old enough to be safe. */
function learnWindow(
  state: CrowdDetectorState,
  windowStart: number,
  count: number,
  frozen: boolean,
  inIncident: boolean,
): Pick<CrowdDetectorState, 'pending' | 'baseline'> {
  // An alert makes the queued windows its run-up: they were not normal traffic either.
  let pending = frozen ? [] : [...state.pending];
  if (!frozen && !inIncident && windowStart % WINDOW_MS === 0) pending.push({ windowStart, count });
  let baseline = state.baseline;
  const isSafe = (entry: { windowStart: number }): boolean =>
    windowStart - entry.windowStart >= LEARN_DELAY_MS;
  for (const entry of pending.filter(isSafe)) {
    baseline = updateBaseline(baseline, entry.windowStart, entry.count, { inIncident: false });
  }
  pending = pending.filter((entry) => !isSafe(entry));
  return { pending, baseline };
}

const finiteCount = z.number().finite().nonnegative();
const recordSchema = z.object({ windowStart: z.number().finite(), spike: z.boolean(), quiet: z.boolean() });
const pendingSchema = z.object({ windowStart: z.number().finite(), count: finiteCount });
const scalars = {
  level: finiteCount,
  variance: finiteCount,
  learnedWindows: finiteCount,
  lastLearnedWindowStart: z.number().finite().nullable(),
};

/** Version 1 stored each slot table as its 2,016 values. Still read, never written. */
const slotValuesV1 = z
  .array(finiteCount)
  .length(SLOTS_PER_WEEK)
  .transform((values) => slotTableFromValues(values));
/** Version 2 stores each slot table as runs of equal values, `[[0, 2016]]` for a week of zeros. */
const slotRunsV2 = z.array(z.tuple([finiteCount, z.number().int().positive()])).transform((runs, ctx) => {
  const table = slotTableFromRuns(runs);
  if (table === null) ctx.addIssue({ code: 'custom', message: `runs must cover ${SLOTS_PER_WEEK} slots` });
  return table ?? z.NEVER;
});

function storedSchema<V extends 1 | 2>(version: V, table: typeof slotValuesV1 | typeof slotRunsV2) {
  return z.object({
    version: z.literal(version),
    level: z.enum(CROWD_LEVELS),
    episodeStart: z.number().finite().nullable(),
    recent: z.array(recordSchema),
    pending: z.array(pendingSchema),
    baseline: z.object({ slotMean: table, slotWeeks: table, ...scalars }),
  });
}

/**
 * Validates persisted detector state (JSON read back from the database, version 1 or 2) at the
 * boundary and gives the state it describes. A stored state that fails it should be replaced by
 * `createCrowdDetector()`, not trusted.
 */
export const crowdDetectorStateSchema = z
  .discriminatedUnion('version', [storedSchema(1, slotValuesV1), storedSchema(2, slotRunsV2)])
  .transform((stored): CrowdDetectorState => ({ ...stored, version: 2 }));

/** The JSON-safe form a store persists (version 2); `crowdDetectorStateSchema` reads it back. */
export function storedCrowdDetector(state: CrowdDetectorState): z.input<typeof crowdDetectorStateSchema> {
  return {
    ...state,
    recent: [...state.recent],
    pending: [...state.pending],
    baseline: {
      ...state.baseline,
      slotMean: slotTableRuns(state.baseline.slotMean),
      slotWeeks: slotTableRuns(state.baseline.slotWeeks),
    },
  };
}
