/**
 * Planned maintenance windows declared in the services file (docs/detection.md, "Maintenance
 * windows"): whether an instant is inside one, since when, until when, and when that next changes.
 * Pure: the windows and the time come in, nothing is read from the clock.
 */
import { CronExpressionParser } from 'cron-parser';

/** The longest window, one-off or recurring: a typo in a year must not silence a service for good. */
export const MAX_MAINTENANCE_MS = 7 * 24 * 3600_000;

export type MaintenanceSchedule =
  /** One window from `startMs` (inclusive) to `endMs` (exclusive). */
  | { readonly kind: 'once'; readonly startMs: number; readonly endMs: number }
  /**
   * A window of `durationMs` (elapsed time) starting at every firing of a 5-field cron expression
   * read in the IANA time zone `timezone`.
   */
  | {
      readonly kind: 'recurring';
      readonly cron: string;
      readonly durationMs: number;
      readonly timezone: string;
    };

export interface MaintenanceWindow {
  /** The services it covers (groups already resolved to their services). */
  readonly serviceIds: readonly string[];
  readonly schedule: MaintenanceSchedule;
  /** Why, as the operator wrote it (plain text). */
  readonly reason: string | null;
}

/** One occurrence of a window: from `start` (inclusive) to `end` (exclusive), epoch ms. */
export interface MaintenanceSpan {
  readonly start: number;
  readonly end: number;
}

/** A service's maintenance in progress. */
export interface ActiveMaintenance {
  /** The earliest start among the occurrences covering the instant. */
  readonly since: number;
  /** When it ends: occurrences that overlap or touch (of any of its windows) count as one. */
  readonly until: number;
  /** The reason of the first covering window (in file order) that has one. */
  readonly reason: string | null;
}

export interface MaintenanceState {
  /** The services in maintenance at the instant. */
  readonly active: ReadonlyMap<string, ActiveMaintenance>;
  /** The next instant after it at which a window starts or ends; null: none will. */
  readonly nextChangeAt: number | null;
}

/** How many firings one look at a recurring window reads at most (a 5-field cron over 8 days: 11,520). */
const MAX_FIRINGS_READ = 12_000;
/**
 * How far ahead `until` follows occurrences that overlap or touch: a maintenance that never ends
 * (every hour for 90 minutes) says about a week, and reading stops there.
 */
const CHAIN_HORIZON_MS = 7 * 24 * 3600_000;
/** How many times `until` is extended across a service's windows at most. */
const MAX_CHAIN = 16;
const DAY_MS = 24 * 3600_000;

interface Covering extends MaintenanceSpan {
  /** The earliest start among the occurrences covering the instant. */
  readonly firstStart: number;
  /** The end of the run of occurrences that overlap or touch this one (at most CHAIN_HORIZON_MS ahead). */
  readonly chainEnd: number;
}

interface Scan {
  /** The occurrence covering the instant that ends last, or null. */
  readonly covering: Covering | null;
  /** The first start after the instant; null when there is none. */
  readonly nextStart: number | null;
}

/**
 * Reads a window around `at`. A recurring window's firings are always read forwards from the UTC
 * midnight at or before `at − duration`, never from `at` itself: cron-parser's answer for a wall
 * time that a DST change skips or repeats depends on where it starts reading (started inside the
 * repeated hour it finds its second 01:30, started before it, only the first), and reading from a
 * fixed point before the window gives every instant the same series, the one a clock running
 * through the change fires on. On that series a firing in the skipped hour comes right after the
 * gap (01:30 on the spring day in London is 02:30 BST) and a repeated wall time fires once, the
 * first time.
 */
function scan(window: MaintenanceWindow, at: number): Scan {
  const s = window.schedule;
  if (s.kind === 'once') {
    const inside = s.startMs <= at && at < s.endMs;
    return {
      covering: inside ? { start: s.startMs, end: s.endMs, firstStart: s.startMs, chainEnd: s.endMs } : null,
      nextStart: s.startMs > at ? s.startMs : null,
    };
  }
  const from = Math.floor((at - s.durationMs) / DAY_MS) * DAY_MS;
  const firings = CronExpressionParser.parse(s.cron, { currentDate: new Date(from), tz: s.timezone });
  const next = (): number | null => {
    try {
      return firings.next().getTime();
    } catch {
      return null; // no firing any more (cron-parser gives up on expressions that never fire again)
    }
  };
  let firstStart: number | null = null;
  let latestStart: number | null = null;
  let nextStart: number | null = null;
  for (let i = 0; i < MAX_FIRINGS_READ; i++) {
    const start = next();
    if (start === null) break;
    if (start > at) {
      nextStart = start;
      break;
    }
    if (start + s.durationMs > at) {
      firstStart ??= start;
      latestStart = start;
    }
  }
  if (latestStart === null || firstStart === null) return { covering: null, nextStart };
  const end = latestStart + s.durationMs;
  let chainEnd = end;
  for (let start = nextStart, i = 0; start !== null && start <= chainEnd && i < MAX_FIRINGS_READ; i++) {
    chainEnd = Math.max(chainEnd, start + s.durationMs);
    if (chainEnd - at > CHAIN_HORIZON_MS) break;
    start = next();
  }
  return { covering: { start: latestStart, end, firstStart, chainEnd }, nextStart };
}

/** The occurrence of `window` covering `at` (the one ending last when several overlap), or null. */
export function occurrenceAt(window: MaintenanceWindow, at: number): MaintenanceSpan | null {
  const c = scan(window, at).covering;
  return c === null ? null : { start: c.start, end: c.end };
}

/**
 * Which services are in maintenance at `at`, and when that may next change. Each window is read
 * once at `at`; a service's `until` follows occurrences that overlap or touch, so a nightly window
 * that runs into the next (or two windows back to back) is one maintenance.
 */
export function maintenanceState(windows: readonly MaintenanceWindow[], at: number): MaintenanceState {
  const scans = windows.map((w) => scan(w, at));
  let nextChangeAt: number | null = null;
  const earliest = (t: number | null): void => {
    if (t !== null && t > at && (nextChangeAt === null || t < nextChangeAt)) nextChangeAt = t;
  };
  const byService = new Map<string, number[]>();
  scans.forEach((sc, i) => {
    earliest(sc.nextStart);
    earliest(sc.covering?.end ?? null);
    if (sc.covering === null) return;
    for (const id of windows[i]?.serviceIds ?? []) byService.set(id, [...(byService.get(id) ?? []), i]);
  });
  const active = new Map<string, ActiveMaintenance>();
  for (const [serviceId, covering] of byService) {
    let since = Number.POSITIVE_INFINITY;
    let until = at;
    let reason: string | null = null;
    for (const i of covering) {
      const c = scans[i]?.covering;
      if (!c) continue;
      since = Math.min(since, c.firstStart);
      until = Math.max(until, c.chainEnd);
      reason ??= windows[i]?.reason ?? null;
    }
    active.set(serviceId, { since, until: chainedUntil(windows, serviceId, until, at), reason });
  }
  return { active, nextChangeAt };
}

/**
 * Follows the service's other windows from `until`: one that begins by then (back to back, or
 * overlapping) carries the maintenance on to the end of its own run (up to CHAIN_HORIZON_MS ahead).
 */
function chainedUntil(
  windows: readonly MaintenanceWindow[],
  serviceId: string,
  until: number,
  at: number,
): number {
  const own = windows.filter((w) => w.serviceIds.includes(serviceId));
  let end = until;
  for (let i = 0; i < MAX_CHAIN && end - at <= CHAIN_HORIZON_MS; i++) {
    let later = end;
    for (const w of own) later = Math.max(later, scan(w, end).covering?.chainEnd ?? end);
    if (later === end) return end;
    end = later;
  }
  return end;
}

/**
 * Checks a recurring window's cron expression the way `maintenanceState` reads it (the time zone is
 * checked on its own, `isValidTimeZone`). Returns the problem in words, or null when it is usable:
 * 5 fields (whole minutes) that cron-parser reads and that fire at all.
 */
export function recurrenceProblem(cron: string): string | null {
  if (cron.trim().split(/\s+/).length !== 5)
    return 'must have 5 fields (minute hour day-of-month month day-of-week)';
  try {
    CronExpressionParser.parse(cron, { currentDate: new Date(0), tz: 'UTC' }).next();
    return null;
  } catch (err) {
    return `invalid cron expression (${err instanceof Error ? err.message : String(err)})`;
  }
}
