/**
 * The `maintenance:` list of the services file: planned windows per service or per group, one-off
 * (`start`, `end`) or recurring (`cron`, `duration`, `timezone`), with an optional `reason`
 * (docs/detection.md, "Maintenance windows"). Checked here with every problem and its place in the
 * file; what a window means at an instant is src/core/detection/maintenance.ts.
 */
import { z } from 'zod';
import type { ServiceDef } from '../core/catalog.js';
import { isValidTimeZone } from '../core/delivery/chat-rules.js';
import {
  MAX_MAINTENANCE_MS,
  type MaintenanceWindow,
  recurrenceProblem,
} from '../core/detection/maintenance.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { describeIssues, formatPath } from './problems.js';

/** A date and time with its offset from UTC (`Z` or `+06:00`): never read in the host's zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const idList = z.array(z.string()).min(1, 'list at least one');

/** One entry as written; `windowSchema` checks its keys and types, `buildMaintenance` the rest. */
export const windowSchema = z.strictObject({
  services: idList.optional(),
  groups: idList.optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  cron: z.string().optional(),
  duration: z.string().optional(),
  timezone: z.string().optional(),
  reason: z.string().trim().min(1).max(200).optional(),
});
export const maintenanceListSchema = z.array(
  z.record(z.string(), z.unknown(), { error: 'must be a mapping (services or groups, and a schedule)' }),
);

const LONGEST = formatDuration(MAX_MAINTENANCE_MS);

/**
 * Checks each window against the file's services and groups and resolves it to service ids.
 * Problems are pushed with their place (`maintenance[1].groups[0]: unknown group "metaa"`); a
 * window with any problem is left out (the caller refuses the file then).
 */
export function buildMaintenance(
  raw: readonly Record<string, unknown>[],
  services: readonly ServiceDef[],
  problems: string[],
): MaintenanceWindow[] {
  const serviceIds = new Set(services.map((s) => s.id));
  const groups = new Map<string, string[]>();
  for (const s of services) if (s.group !== null) groups.set(s.group, [...(groups.get(s.group) ?? []), s.id]);
  return raw.flatMap((entry, i) => {
    const at = (...path: PropertyKey[]): string => formatPath(['maintenance', i, ...path]);
    const parsed = windowSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...describeIssues(parsed.error, ['maintenance', i]));
      return [];
    }
    const w = parsed.data;
    const before = problems.length;
    const covered = new Set<string>();
    if (w.services === undefined && w.groups === undefined)
      problems.push(`${at()}: name the services or groups it covers (services: [...], groups: [...])`);
    (w.services ?? []).forEach((id, j) => {
      if (serviceIds.has(id)) covered.add(id);
      else problems.push(`${at('services', j)}: unknown service "${id}"`);
    });
    (w.groups ?? []).forEach((group, j) => {
      const members = groups.get(group);
      if (members) for (const id of members) covered.add(id);
      else problems.push(`${at('groups', j)}: unknown group "${group}" (no service has it as its group)`);
    });
    const schedule = scheduleOf(w, at, problems);
    if (problems.length > before || schedule === null) return [];
    return [{ serviceIds: [...covered], schedule, reason: w.reason ?? null }];
  });
}

function scheduleOf(
  w: z.infer<typeof windowSchema>,
  at: (...path: PropertyKey[]) => string,
  problems: string[],
): MaintenanceWindow['schedule'] | null {
  const once = w.start !== undefined || w.end !== undefined;
  const recurring = w.cron !== undefined || w.duration !== undefined || w.timezone !== undefined;
  if (once && recurring) {
    problems.push(
      `${at()}: give either start and end (one window) or cron and duration (recurring), not both`,
    );
    return null;
  }
  if (once) {
    const startMs = instant(w.start, at('start'), problems);
    const endMs = instant(w.end, at('end'), problems);
    if (startMs === null || endMs === null) return null;
    if (endMs <= startMs) {
      problems.push(`${at('end')}: must be after start`);
      return null;
    }
    if (endMs - startMs > MAX_MAINTENANCE_MS) {
      problems.push(`${at('end')}: a window may last at most ${LONGEST}`);
      return null;
    }
    return { kind: 'once', startMs, endMs };
  }
  if (!recurring) {
    problems.push(`${at()}: give start and end (one window) or cron and duration (recurring)`);
    return null;
  }
  const timezone = w.timezone ?? 'UTC';
  let ok = true;
  if (w.cron === undefined) {
    problems.push(`${at('cron')}: required for a recurring window (e.g. "0 3 * * 0": Sundays 03:00)`);
    ok = false;
  } else {
    const problem = recurrenceProblem(w.cron);
    if (problem !== null) {
      problems.push(`${at('cron')}: ${problem}`);
      ok = false;
    }
  }
  const durationMs = duration(w.duration, at('duration'), problems);
  if (!isValidTimeZone(timezone)) {
    problems.push(`${at('timezone')}: unknown IANA time zone "${timezone}" (e.g. UTC, Asia/Dhaka)`);
    ok = false;
  }
  if (!ok || durationMs === null || w.cron === undefined) return null;
  return { kind: 'recurring', cron: w.cron, durationMs, timezone };
}

function instant(text: string | undefined, where: string, problems: string[]): number | null {
  if (text === undefined) {
    problems.push(`${where}: required for a one-off window`);
    return null;
  }
  const ms = INSTANT.test(text.trim()) ? Date.parse(text.trim().replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms) || !realDate(text.trim())) {
    problems.push(
      `${where}: "${text}" is not a date and time with its UTC offset (e.g. "2026-12-24T22:00:00+06:00")`,
    );
    return null;
  }
  return ms;
}

/** Whether the date part names a real day (Date.parse reads 30 February as 2 March). */
function realDate(text: string): boolean {
  const [y = 0, m = 0, d = 0] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function duration(text: string | undefined, where: string, problems: string[]): number | null {
  if (text === undefined) {
    problems.push(`${where}: required for a recurring window (e.g. 2h)`);
    return null;
  }
  const ms = parseDuration(text);
  if (ms === null) {
    problems.push(
      /^\s*-|^\s*0+(\.0+)?\s*(ms|s|m|h|d)\s*$/.test(text)
        ? `${where}: must be longer than 0`
        : `${where}: invalid duration "${text}" (use e.g. 30m, 2h, 1d)`,
    );
    return null;
  }
  if (ms > MAX_MAINTENANCE_MS) {
    problems.push(`${where}: a window may last at most ${LONGEST}`);
    return null;
  }
  return ms;
}
