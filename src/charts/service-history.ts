import type { Awaitable } from '../core/awaitable.js';
import { DAY_MS, HOUR_MS, type RawCheck, dayOf, hourOf, summariseHour } from '../db/check-encoding.js';
import type { HistoryReader } from '../db/sqlite-history-store.js';
import type { Clock, State } from '../core/model.js';

/** Days in the availability bar of the status page. */
export const BAR_DAYS = 90;
/** The response-time chart covers this long, in windows of `CHART_WINDOW_MS`. */
export const CHART_SPAN_MS = 24 * 3_600_000;
export const CHART_WINDOW_MS = 15 * 60_000;

/** One day of one service's availability bar. `state` is the worst that day; `unknown` when nothing was checked. */
export interface DayCell {
  readonly day: number;
  readonly checks: number;
  readonly failures: number;
  readonly degraded: number;
  /** Share of checks that passed, null with no checks. */
  readonly uptime: number | null;
  readonly state: State;
  readonly incidentIds: readonly number[];
}

/** One chart window: the slowest median of its checks, how many failed, how many people reported. */
export interface ChartWindow {
  readonly start: number;
  readonly latencyMs: number | null;
  readonly checks: number;
  readonly failures: number;
  readonly reports: number;
}

/**
 * A service's record over the last `days` days: the complete hours of the period from the hourly
 * roll-ups plus the current hour from raw checks (the hour just ended counts once the roll-up has
 * run, a minute after it ends), over the service's probe monitors.
 */
export interface UptimeWindow {
  readonly days: number;
  readonly checks: number;
  readonly failures: number;
  /** Share of checks that did not fail (degraded ones count as up, as in the day cells); null with no checks. */
  readonly uptime: number | null;
  /**
   * The 95th percentile (nearest rank) of the hourly p95 response times in the period, each hour of
   * each probe counting once. The roll-ups keep an hour's p50 and p95, not its latencies, so a true
   * p95 over 30 days cannot be computed from them; this figure is the p95 of the hourly p95s and is
   * named so. Null when no check measured a latency.
   */
  readonly p95OfHourlyP95Ms: number | null;
}

export interface IncidentSpan {
  readonly id: number;
  readonly severity: 'minor' | 'major';
  readonly startedAt: number;
  readonly resolvedAt: number | null;
}

/** Where crowd reports per window come from (the report store implements it). */
export interface ReportCounts {
  reportsBetween(serviceId: string, from: number, to: number): Awaitable<readonly unknown[]>;
}

/**
 * Check history of services for the status page and charts: 90 daily cells from the hourly
 * roll-ups (today from raw checks, which are not rolled up yet) and 24 h of raw checks in windows.
 * Read-only.
 */
export class ServiceHistory {
  private refs = new Map<string, number>();

  constructor(
    private readonly history: HistoryReader,
    private readonly clock: Clock,
    private readonly reports?: ReportCounts,
  ) {}

  /** The 90 cells of a service's bar, oldest first, for its probe monitors. */
  async dayCells(monitorIds: readonly string[], incidents: readonly IncidentSpan[]): Promise<DayCell[]> {
    const today = dayOf(this.clock.now());
    const first = today - BAR_DAYS + 1;
    const totals = new Map<number, { checks: number; failures: number; degraded: number }>();
    const add = (day: number, checks: number, failures: number, degraded: number): void => {
      const t = totals.get(day) ?? { checks: 0, failures: 0, degraded: 0 };
      totals.set(day, {
        checks: t.checks + checks,
        failures: t.failures + failures,
        degraded: t.degraded + degraded,
      });
    };
    // Complete hours come from the roll-ups (today's too); only the current hour is read raw, so a
    // page costs the same at 23:59 as at 00:01. The hour just ended is missing until the hourly
    // roll-up runs a minute later.
    const hourStart = hourOf(this.clock.now()) * HOUR_MS;
    for (const ref of await this.refsOf(monitorIds)) {
      for (const d of await this.history.dailySummaries(ref, first, today))
        add(d.day, d.count, d.failures, d.degraded);
      const raw = await this.history.rawChecks(ref, hourStart, this.clock.now());
      add(today, raw.length, count(raw, 'down'), count(raw, 'degraded'));
    }
    return Array.from({ length: BAR_DAYS }, (_, i) => {
      const day = first + i;
      const t = totals.get(day) ?? { checks: 0, failures: 0, degraded: 0 };
      const touching = incidents.filter(
        (inc) => inc.startedAt < (day + 1) * DAY_MS && (inc.resolvedAt ?? Infinity) >= day * DAY_MS,
      );
      return {
        day,
        ...t,
        uptime: t.checks === 0 ? null : (t.checks - t.failures) / t.checks,
        state: worstState(t, touching),
        incidentIds: touching.map((inc) => inc.id),
      };
    });
  }

  /**
   * Uptime and the p95 of hourly p95 response times over the last `days` days: the current hour
   * and the `days × 24 − 1` hours before it, for a service's probe monitors. One read of the roll-ups per
   * monitor serves every period asked for.
   */
  async uptime(monitorIds: readonly string[], periods: readonly number[]): Promise<UptimeWindow[]> {
    const now = this.clock.now();
    const currentHour = hourOf(now);
    const longest = Math.max(0, ...periods);
    const from = (currentHour - longest * 24 + 1) * HOUR_MS;
    const hours: {
      readonly hourStart: number;
      readonly count: number;
      readonly failures: number;
      readonly p95: number | null;
    }[] = [];
    for (const ref of await this.refsOf(monitorIds)) {
      for (const { hourStart, bucket } of await this.history.hourlyBuckets(ref, from, now)) {
        if (hourStart >= from && hourStart < currentHour * HOUR_MS) hours.push({ hourStart, ...bucket });
      }
      const raw = await this.history.rawChecks(ref, currentHour * HOUR_MS, now);
      if (raw.length > 0) hours.push({ hourStart: currentHour * HOUR_MS, ...summariseHour(raw) });
    }
    return periods.map((days) => {
      const start = (currentHour - days * 24 + 1) * HOUR_MS;
      const inPeriod = hours.filter((h) => h.hourStart >= start);
      const checks = inPeriod.reduce((n, h) => n + h.count, 0);
      const failures = inPeriod.reduce((n, h) => n + h.failures, 0);
      const p95s = inPeriod.flatMap((h) => (h.p95 === null ? [] : [h.p95])).sort((a, b) => a - b);
      return {
        days,
        checks,
        failures,
        uptime: checks === 0 ? null : (checks - failures) / checks,
        p95OfHourlyP95Ms:
          p95s.length === 0
            ? null
            : (p95s[Math.min(p95s.length - 1, Math.ceil(0.95 * p95s.length) - 1)] ?? null),
      };
    });
  }

  /** The last 24 h of a service in `CHART_WINDOW_MS` windows, oldest first. */
  async chartWindows(serviceId: string, monitorIds: readonly string[]): Promise<ChartWindow[]> {
    const now = this.clock.now();
    const start = Math.floor((now - CHART_SPAN_MS) / CHART_WINDOW_MS) * CHART_WINDOW_MS + CHART_WINDOW_MS;
    const windows = Math.ceil((now - start) / CHART_WINDOW_MS) || 1;
    const perWindow: RawCheck[][] = Array.from({ length: windows }, () => []);
    for (const ref of await this.refsOf(monitorIds)) {
      for (const c of await this.history.rawChecks(ref, start, now)) {
        perWindow[Math.min(windows - 1, Math.floor((c.at - start) / CHART_WINDOW_MS))]?.push(c);
      }
    }
    // One window after the other: a chart never takes more than one of the store's connections.
    const reports: number[] = [];
    for (let i = 0; i < windows; i++) {
      const from = start + i * CHART_WINDOW_MS;
      reports.push(
        (await this.reports?.reportsBetween(serviceId, from, from + CHART_WINDOW_MS))?.length ?? 0,
      );
    }
    return perWindow.map((checks, i) => {
      const from = start + i * CHART_WINDOW_MS;
      const latencies = checks
        .flatMap((c) => (c.latencyMs === null ? [] : [c.latencyMs]))
        .sort((a, b) => a - b);
      return {
        start: from,
        latencyMs: latencies.length ? (latencies[Math.floor(latencies.length / 2)] ?? null) : null,
        checks: checks.length,
        failures: count(checks, 'down'),
        reports: reports[i] ?? 0,
      };
    });
  }

  private async refsOf(monitorIds: readonly string[]): Promise<number[]> {
    if (monitorIds.some((id) => !this.refs.has(id))) {
      const rows = await this.history.monitorRefs();
      this.refs = new Map(rows.map((r) => [r.id, r.ref]));
    }
    return monitorIds.flatMap((id) => {
      const ref = this.refs.get(id);
      return ref === undefined ? [] : [ref];
    });
  }
}

const count = (checks: readonly RawCheck[], status: RawCheck['status']): number =>
  checks.filter((c) => c.status === status).length;

/** A major incident that day makes it down, a minor one or any failed check degraded; no checks, unknown. */
function worstState(
  t: { checks: number; failures: number; degraded: number },
  incidents: readonly IncidentSpan[],
): State {
  if (incidents.some((i) => i.severity === 'major')) return 'down';
  if (incidents.length > 0 || t.failures > 0 || t.degraded > 0) return 'degraded';
  return t.checks === 0 ? 'unknown' : 'up';
}
