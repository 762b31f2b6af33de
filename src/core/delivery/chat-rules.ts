import type { Severity } from '../model.js';
import type { ChatSettings, QuietHours } from './ports.js';

const MINUTES_PER_DAY = 24 * 60;
const MINUTE_MS = 60_000;
/** A mute and quiet hours can chain (mute ends inside quiet hours); a few steps settle any real setting. */
const MAX_HOLD_STEPS = 4;

const SEVERITY_RANK: Record<Severity, number> = { minor: 1, major: 2 };

/** A `major` subscription ignores minor incidents; a `minor` one gets everything. */
export function meetsMinSeverity(severity: Severity, minSeverity: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[minSeverity];
}

const QUIET_RE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses `HH:MM-HH:MM` (24 h; `23:00-07:00` wraps midnight). null when malformed or empty (start = end). */
export function parseQuietHours(text: string): QuietHours | null {
  const m = QUIET_RE.exec(text.trim());
  if (!m) return null;
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = Number(m[3]) * 60 + Number(m[4]);
  return startMinute === endMinute ? null : { startMinute, endMinute };
}

export function formatQuietHours(q: QuietHours): string {
  const hhmm = (minute: number): string =>
    `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  return `${hhmm(q.startMinute)}-${hhmm(q.endMinute)}`;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight in the zone, at epoch ms `at`. */
export function localMinuteOfDay(at: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value);
    if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

function isQuietMinute(q: QuietHours, minute: number): boolean {
  return q.startMinute < q.endMinute
    ? minute >= q.startMinute && minute < q.endMinute
    : minute >= q.startMinute || minute < q.endMinute;
}

export function isQuietAt(q: QuietHours, at: number, timeZone: string): boolean {
  return isQuietMinute(q, localMinuteOfDay(at, timeZone));
}

/**
 * When the quiet hours around `at` end (epoch ms, on a minute boundary). Counted in local minutes, so
 * across a DST change it may be an hour off; the worker re-checks at release time and holds again.
 */
export function quietHoursEndAt(q: QuietHours, at: number, timeZone: string): number {
  const minute = localMinuteOfDay(at, timeZone);
  const minutesLeft = (q.endMinute - minute + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  return at - (at % MINUTE_MS) + minutesLeft * MINUTE_MS;
}

/**
 * Whether alerts to a chat must wait, and until when: null = deliver now, otherwise the time to try
 * again (the end of the mute or of the quiet hours, whichever is later when they chain).
 */
export function holdUntil(
  settings: Pick<ChatSettings, 'quietHours' | 'mutedUntil' | 'timeZone'>,
  now: number,
): number | null {
  let t = now;
  for (let step = 0; step < MAX_HOLD_STEPS; step++) {
    if (settings.mutedUntil !== null && t < settings.mutedUntil) {
      t = settings.mutedUntil;
    } else if (settings.quietHours && isQuietAt(settings.quietHours, t, settings.timeZone)) {
      t = quietHoursEndAt(settings.quietHours, t, settings.timeZone);
    } else {
      break;
    }
  }
  return t === now ? null : t;
}
