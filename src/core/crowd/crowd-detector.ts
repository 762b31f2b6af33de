/**
 * The crowd detector for one service: one pure step per evaluated window, with all memory in a
 * plain JSON-safe state that a store persists between steps (and across restarts).
 * See shared/docs/status-sources.md §3 and DESIGN.md §3 "Crowd reports".
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

/** Everything the detector remembers about one service. JSON round trips keep its behaviour. */
export interface CrowdDetectorState {
  readonly version: 1;
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

/** The state of a service nobody has reported anything about yet. */
export function createCrowdDetector(): CrowdDetectorState {
  return {
    version: 1,
    level: 'none',
    episodeStart: null,
    recent: [],
    pending: [],
    baseline: createBaseline(),
  };
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
  const learned = learnWindow(
    state,
    windowStart,
    summary.effectiveCount,
    frozen,
    options.inIncident ?? false,
  );
  return { state: { version: 1, level: verdict.level, episodeStart, recent, ...learned }, verdict };
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
const slotTable = z.array(finiteCount).length(SLOTS_PER_WEEK);

/**
 * Validates persisted detector state (e.g. JSON read back from the database) at the boundary.
 * A stored state that fails it should be replaced by `createCrowdDetector()`, not trusted.
 */
export const crowdDetectorStateSchema = z.object({
  version: z.literal(1),
  level: z.enum(CROWD_LEVELS),
  episodeStart: z.number().finite().nullable(),
  recent: z.array(z.object({ windowStart: z.number().finite(), spike: z.boolean(), quiet: z.boolean() })),
  pending: z.array(z.object({ windowStart: z.number().finite(), count: finiteCount })),
  baseline: z.object({
    slotMean: slotTable,
    slotWeeks: slotTable,
    level: finiteCount,
    variance: finiteCount,
    learnedWindows: finiteCount,
    lastLearnedWindowStart: z.number().finite().nullable(),
  }),
}) satisfies z.ZodType<CrowdDetectorState>;
