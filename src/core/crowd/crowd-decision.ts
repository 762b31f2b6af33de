/**
 * The crowd decision rule: significance + absolute floor + ratio + persistence, with hysteresis,
 * mirroring Downdetector's "significantly higher than the baseline … and the duration".
 * See docs/crowd.md §6 (the test), §7 (levels) and §9 (anti-abuse).
 */
import { WINDOW_MS } from './crowd-window.js';
import { anscombeScore, poissonUpperTail } from './poisson-test.js';

/** Crowd evidence levels: nothing, "possible problems", "problems detected". */
export const CROWD_LEVELS = ['none', 'possible', 'detected'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];

/** A window is significant when its Poisson tail probability is below this … */
export const SPIKE_P_VALUE = 1e-4;
/** … or its Anscombe score reaches this. */
export const SPIKE_ANSCOMBE_Z = 4;
/** N_min: a spike needs at least this many counted reporters, however small λ is. */
export const MIN_SPIKE_REPORTS = 5;
/** R: a spike needs at least this multiple of the expected count. */
export const SPIKE_RATIO = 3;
/** Strong evidence in one window: this multiple of λ … */
export const STRONG_RATIO = 10;
/** … and at least this many counted reporters (3·N_min). */
export const STRONG_MIN_REPORTS = 3 * MIN_SPIKE_REPORTS;
/** A window is quiet when it has at most this multiple of λ … */
export const QUIET_RATIO = 2;
/** … or is unsurprising (p above this), which keeps a trickle of late reports from holding an alert when λ is tiny. */
export const QUIET_P_VALUE = 0.05;
/** Persistence and resolution look at this many consecutive windows: the current one and two before it. */
export const PERSISTENCE_WINDOWS = 3;
/** "Possible problems": spikes in at least this many of the last `PERSISTENCE_WINDOWS` windows. */
export const POSSIBLE_MIN_SPIKES = 2;
/** "Problems detected" needs reports from at least this many chats in the deciding window. */
export const MIN_CHATS_FOR_DETECTED = 2;
/**
 * Windows that overlap by at most this much still count as consecutive, so a scheduler that
 * fires a few milliseconds late does not break persistence. The overlap can count a report in
 * two windows; 10 s of reports cannot make a spike.
 */
export const STEP_JITTER_MS = 10_000;

/** The statistics of one window against its expected count. */
export interface WindowTest {
  /** x: counted reporters (the window's `effectiveCount`, balanced between communities). */
  readonly observed: number;
  /** λ from the baseline. */
  readonly expected: number;
  /** observed / expected. */
  readonly ratio: number;
  /** P(X ≥ observed | λ), in [0, 1]. */
  readonly pValue: number;
  /** Anscombe score z_A. */
  readonly anscombe: number;
  /** (p < `SPIKE_P_VALUE` or z_A ≥ `SPIKE_ANSCOMBE_Z`) and x ≥ N_min and x ≥ R·λ. */
  readonly spike: boolean;
  /** A spike with x ≥ `STRONG_RATIO`·λ and x ≥ `STRONG_MIN_REPORTS`. */
  readonly strong: boolean;
  /** x ≤ `QUIET_RATIO`·λ or p > `QUIET_P_VALUE`. Never true together with `spike`. */
  readonly quiet: boolean;
}

/** Tests `observed` counted reporters against `expected` (λ > 0). */
export function testWindow(observed: number, expected: number): WindowTest {
  const pValue = poissonUpperTail(observed, expected);
  const anscombe = anscombeScore(observed, expected);
  const significant = pValue < SPIKE_P_VALUE || anscombe >= SPIKE_ANSCOMBE_Z;
  const spike = significant && observed >= MIN_SPIKE_REPORTS && observed >= SPIKE_RATIO * expected;
  const strong = spike && observed >= STRONG_RATIO * expected && observed >= STRONG_MIN_REPORTS;
  const quiet = observed <= QUIET_RATIO * expected || pValue > QUIET_P_VALUE;
  return { observed, expected, ratio: observed / expected, pValue, anscombe, spike, strong, quiet };
}

/** A past evaluation, as the detector remembers it. */
export interface WindowRecord {
  readonly windowStart: number;
  readonly spike: boolean;
  readonly quiet: boolean;
}

/** What `decideLevel` looks at. */
export interface LevelInput {
  /** The level in force before this window (the latched alert). */
  readonly latched: CrowdLevel;
  /** Up to `PERSISTENCE_WINDOWS` consecutive windows, newest (the current one) first; fewer when history has gaps. */
  readonly chain: readonly Pick<WindowRecord, 'spike' | 'quiet'>[];
  /** Whether the current window is strong evidence on its own. */
  readonly strong: boolean;
  /** Distinct chats in the current window. */
  readonly distinctChats: number;
}

const rank = (level: CrowdLevel): number => CROWD_LEVELS.indexOf(level);

/**
 * The level after a window. Rules, in order:
 * 1. detected: (spike in all 3 windows, or the current window is strong) and the current window
 *    has reports from ≥ `MIN_CHATS_FOR_DETECTED` chats. One chat alone can never get here.
 * 2. possible: spikes in ≥ 2 of the 3 windows. (A window of one community alone counts 0, see
 *    `independentCount`, so it is never a spike: `chats` below is what the pure rule is given.)
 * 3. An alert only escalates; it returns to none after 3 consecutive quiet windows.
 *
 * `chain` is written newest first: S spike, Q quiet, - neither, . missing (a gap in history).
 *
 * | latched  | chain | strong | chats | level    | why                                     |
 * |----------|-------|--------|-------|----------|-----------------------------------------|
 * | none     | QQQ   | no     | 0     | none     | nothing happening                       |
 * | none     | SQQ   | no     | 4     | none     | one spike is noise                      |
 * | none     | SS.   | no     | 4     | possible | 2 of 3                                  |
 * | none     | S-S   | no     | 4     | possible | 2 of 3, not necessarily adjacent        |
 * | none     | -SS   | no     | 4     | possible | the spikes were the two before          |
 * | none     | SSS   | no     | 4     | detected | persisted for 3 windows                 |
 * | none     | SSS   | no     | 1     | possible | one chat alone never detects            |
 * | none     | S..   | yes    | 6     | detected | strong evidence needs no persistence    |
 * | none     | S..   | yes    | 1     | none     | strong but from one chat and not 2 of 3 |
 * | possible | SSS   | no     | 2     | detected | escalates                               |
 * | possible | S-Q   | no     | 3     | possible | holds until quiet                       |
 * | detected | S..   | no     | 1     | detected | never downgrades within an episode      |
 * | detected | QQ-   | no     | 0     | detected | needs 3 quiet windows                   |
 * | detected | QQ.   | no     | 0     | detected | a gap is not quiet                      |
 * | detected | Q-Q   | no     | 1     | detected | quiet windows must be consecutive       |
 * | detected | QQQ   | no     | 0     | none     | resolved                                |
 * | possible | QQQ   | no     | 0     | none     | resolved                                |
 */
export function decideLevel(input: LevelInput): CrowdLevel {
  const { latched, chain, strong, distinctChats } = input;
  const window = chain.slice(0, PERSISTENCE_WINDOWS);
  const spikes = window.filter((w) => w.spike).length;
  const persisted = window.length === PERSISTENCE_WINDOWS && spikes === PERSISTENCE_WINDOWS;
  const manyChats = distinctChats >= MIN_CHATS_FOR_DETECTED;
  const raw: CrowdLevel =
    (persisted || strong) && manyChats ? 'detected' : spikes >= POSSIBLE_MIN_SPIKES ? 'possible' : 'none';
  if (rank(raw) > rank(latched)) return raw;
  const resolved = window.length === PERSISTENCE_WINDOWS && window.every((w) => w.quiet);
  return latched !== 'none' && resolved ? 'none' : latched;
}

/**
 * The chain of consecutive, non-overlapping windows ending with `current`, newest first.
 * Each earlier window is the newest record that starts at least one window before the later
 * one (so they do not overlap, give or take `STEP_JITTER_MS`) and at most two windows before it
 * (so a gap breaks the chain).
 * This is what lets a caller evaluate every minute on the trailing five minutes: persistence
 * still means five-minute windows that share no report. `history` is oldest first.
 */
export function selectChain(history: readonly WindowRecord[], current: WindowRecord): WindowRecord[] {
  const chain = [current];
  let later = current;
  for (let i = history.length - 1; i >= 0 && chain.length < PERSISTENCE_WINDOWS; i--) {
    const record = history[i];
    if (record === undefined || record.windowStart > later.windowStart - WINDOW_MS + STEP_JITTER_MS) continue;
    if (record.windowStart < later.windowStart - 2 * WINDOW_MS) break;
    chain.push(record);
    later = record;
  }
  return chain;
}

/** What the detector has to remember between windows to decide the next one. */
export interface CrowdHistory {
  /** The level in force (latched until resolved). */
  readonly level: CrowdLevel;
  /** Recent evaluations, oldest first. */
  readonly recent: readonly WindowRecord[];
}

/** The window being decided. */
export interface CurrentWindow {
  readonly windowStart: number;
  readonly observed: number;
  readonly expected: number;
  readonly distinctChats: number;
}

/** The detector's answer for one window: the level in force and the statistics behind it. */
export interface CrowdVerdict extends WindowTest {
  readonly level: CrowdLevel;
}

/** Decides one window against the recent history: `testWindow`, `selectChain`, then `decideLevel`. */
export function evaluateWindow(history: CrowdHistory, current: CurrentWindow): CrowdVerdict {
  const test = testWindow(current.observed, current.expected);
  const chain = selectChain(history.recent, {
    windowStart: current.windowStart,
    spike: test.spike,
    quiet: test.quiet,
  });
  const level = decideLevel({
    latched: history.level,
    chain,
    strong: test.strong,
    distinctChats: current.distinctChats,
  });
  return { ...test, level };
}
