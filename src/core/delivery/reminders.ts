import { holdUntil } from './chat-rules.js';
import type { ChatSettings } from './ports.js';

/**
 * Still-down reminders (`/settings remind`): while an incident lasts, a chat that chose a pace is
 * reminded, as a reply to its alert, at that pace backing off: the first reminder one pace after
 * the alert, then each gap twice the one before (30 min, 1 h, 2 h, 4 h, …), never more than a day.
 * Never during the chat's quiet hours or mute: a reminder that falls there waits for their end, and
 * the next gap counts from when it actually went out.
 */

const MINUTE_MS = 60_000;

/** The paces `/settings remind` offers, in minutes (30m, 1h, 2h, 4h); off is null. */
export const REMIND_PACES_MINUTES = [30, 60, 120, 240] as const;
export type RemindPaceMinutes = (typeof REMIND_PACES_MINUTES)[number];

/** No gap between two reminders is longer than this. */
export const MAX_REMINDER_GAP_MS = 24 * 60 * MINUTE_MS;

export function isRemindPace(minutes: number): minutes is RemindPaceMinutes {
  return (REMIND_PACES_MINUTES as readonly number[]).includes(minutes);
}

/**
 * The gap before reminder number `index` (0: the first, counted from the alert), for a pace of
 * `paceMs`: the pace doubled `index` times, at most {@link MAX_REMINDER_GAP_MS}. A pace longer than
 * the cap is the cap.
 */
export function reminderGapMs(paceMs: number, index: number): number {
  if (!(paceMs > 0) || !Number.isInteger(index) || index < 0) {
    throw new RangeError(`reminder gap needs a positive pace and an index >= 0 (got ${paceMs}, ${index})`);
  }
  // 2^index overflows nothing here: past ~6 doublings every real pace is already capped.
  const gap = paceMs * 2 ** Math.min(index, 32);
  return Math.min(gap, MAX_REMINDER_GAP_MS);
}

/**
 * When reminder number `index` is due: `since` (when the alert, or the reminder before this one,
 * went out) plus its gap, moved past the chat's mute and quiet hours. Returns null when the chat
 * has reminders off. The incident's recovery cancels whatever is planned (the caller's part).
 */
export function nextReminderAt(p: {
  readonly remindMinutes: number | null;
  /** Epoch ms the alert (index 0) or the previous reminder went out. */
  readonly since: number;
  readonly index: number;
  readonly settings: Pick<ChatSettings, 'quietHours' | 'mutedUntil' | 'timeZone'>;
  /**
   * Tests only: the length of one pace minute in ms (default one minute), so an end-to-end run
   * can remind within seconds. The production paces stay the ones of {@link REMIND_PACES_MINUTES}.
   */
  readonly minuteMs?: number;
}): number | null {
  if (p.remindMinutes === null) return null;
  const paceMs = p.remindMinutes * (p.minuteMs ?? MINUTE_MS);
  const due = p.since + reminderGapMs(paceMs, p.index);
  return holdUntil(p.settings, due) ?? due;
}
