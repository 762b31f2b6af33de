/**
 * Detection windows and what one window of admitted reports adds up to, with the per-chat cap and
 * the balance between communities that keep one chat or guild from manufacturing an outage.
 * See docs/crowd.md §4 (windows and counting) and §9 (anti-abuse).
 */
import { PROBLEM_KINDS, emptyKindCounts, type ProblemKind } from './problem-kind.js';

/** Reports are counted per window of this length. */
export const WINDOW_MS = 5 * 60_000;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MINUTES_PER_DAY = 24 * 60;
/** 1970-01-01 was a Thursday: day 0 is day 3 of a week that starts on Monday (ISO 8601). */
const EPOCH_DAY_OF_WEEK = 3;

/** Hour-of-week slots: one per 5-minute window of a week (7 × 24 × 12). */
export const SLOTS_PER_WEEK = (7 * MINUTES_PER_DAY * MINUTE_MS) / WINDOW_MS;

/**
 * At most this many distinct reporters from one chat or guild count in one window. It is at
 * least the minimum spike size, so a community alone can still reach the size of a spike (which
 * earns it its own notice, `community-notice.ts`), and below the strong-evidence size.
 */
export const MAX_REPORTS_PER_CHAT_PER_WINDOW = 10;

const mod = (value: number, divisor: number): number => ((value % divisor) + divisor) % divisor;

/** Start (epoch ms, UTC-aligned) of the window that contains `at`. */
export function windowStart(at: number): number {
  return at - mod(at, WINDOW_MS);
}

/**
 * The hour-of-week slot of `at`: `floor(minuteOfWeek / 5)` with weeks starting Monday 00:00 UTC,
 * so 0 … `SLOTS_PER_WEEK - 1`. Seasonality is learned in UTC on purpose: one service serves
 * many time zones, and the slot only has to repeat every week, not mean a local hour.
 */
export function hourOfWeekSlot(at: number): number {
  const dayOfWeek = mod(Math.floor(at / DAY_MS) + EPOCH_DAY_OF_WEEK, 7);
  const minuteOfDay = Math.floor(mod(at, DAY_MS) / MINUTE_MS);
  return Math.floor((dayOfWeek * MINUTES_PER_DAY + minuteOfDay) / (WINDOW_MS / MINUTE_MS));
}

/** One admitted report, as the detector sees it: who (hashed), from which chat, about what. */
export interface CrowdReport {
  /** Stable, non-reversible id of the reporting user (never the raw platform id). */
  readonly reporterHash: string;
  /** The chat or guild the report came from, e.g. `telegram:-100123` or `discord:guild:42`. */
  readonly chatKey: string;
  readonly kind: ProblemKind;
}

/** What one window of reports for one service adds up to. */
export interface WindowSummary {
  /** Distinct reporters, before the per-chat cap. */
  readonly distinctReporters: number;
  /** Distinct chats or guilds with at least one counted report. */
  readonly distinctChats: number;
  /** Reporters after the per-chat cap: each chat contributes at most `MAX_REPORTS_PER_CHAT_PER_WINDOW`. */
  readonly cappedCount: number;
  /**
   * Reporters that count for detection: `cappedCount`, where no chat or guild counts for more
   * than all the others together (`independentCount`). One community alone counts 0.
   */
  readonly effectiveCount: number;
  /**
   * Capped reporters per kind, balanced as `effectiveCount` is: the largest community's weigh
   * `min(a, r) / a`, so one brigade cannot decide the top problem; the values add up to
   * `effectiveCount` (all 0 for one community alone).
   */
  readonly kinds: Record<ProblemKind, number>;
}

/**
 * The evidence several communities give together: the sum of their counts, where the largest
 * counts for at most as much as all the others together. One community alone gives 0, whatever
 * its number; 10 reporters of one group and 3 elsewhere give 3 + 3 = 6; 5 and 5 give 10. So a
 * community can at most double what the others say; it can never speak for them.
 */
export function independentCount(perCommunity: Iterable<number>): number {
  let total = 0;
  let largest = 0;
  for (const count of perCommunity) {
    total += count;
    largest = Math.max(largest, count);
  }
  const others = total - largest;
  return others + Math.min(largest, others);
}

/**
 * Counts one window's admitted reports for one service, in arrival order.
 *
 * A reporter counts once (the first report wins, wherever it came from). Each chat contributes
 * at most `MAX_REPORTS_PER_CHAT_PER_WINDOW` reporters, first come first counted; the rest still
 * show in `distinctReporters` but not in `cappedCount` or `kinds`, so a brigade skews neither
 * the count nor the kind shares. `effectiveCount` then balances the chats (`independentCount`).
 */
export function summariseWindow(reports: readonly CrowdReport[]): WindowSummary {
  const seenReporters = new Set<string>();
  const countedPerChat = new Map<string, number>();
  const kindsPerChat = new Map<string, Record<ProblemKind, number>>();
  let cappedCount = 0;
  for (const report of reports) {
    if (seenReporters.has(report.reporterHash)) continue;
    seenReporters.add(report.reporterHash);
    const counted = countedPerChat.get(report.chatKey) ?? 0;
    countedPerChat.set(report.chatKey, counted + 1);
    if (counted >= MAX_REPORTS_PER_CHAT_PER_WINDOW) continue;
    const chatKinds = kindsPerChat.get(report.chatKey) ?? emptyKindCounts();
    chatKinds[report.kind] += 1;
    kindsPerChat.set(report.chatKey, chatKinds);
    cappedCount += 1;
  }
  const perChat = [...countedPerChat.values()].map((n) => Math.min(n, MAX_REPORTS_PER_CHAT_PER_WINDOW));
  // The largest community's kinds weigh as much as it counts in `effectiveCount`.
  let largest: string | null = null;
  for (const [chat, n] of countedPerChat)
    if (largest === null || n > (countedPerChat.get(largest) ?? 0)) largest = chat;
  const largestCount = Math.min(countedPerChat.get(largest ?? '') ?? 0, MAX_REPORTS_PER_CHAT_PER_WINDOW);
  const others = cappedCount - largestCount;
  const kinds = emptyKindCounts();
  for (const [chat, chatKinds] of kindsPerChat) {
    const weight = chat === largest ? Math.min(largestCount, others) / largestCount : 1;
    for (const kind of PROBLEM_KINDS) kinds[kind] += chatKinds[kind] * weight;
  }
  return {
    distinctReporters: seenReporters.size,
    distinctChats: countedPerChat.size,
    cappedCount,
    effectiveCount: independentCount(perChat),
    kinds,
  };
}
