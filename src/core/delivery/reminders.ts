import { holdUntil } from './chat-rules.js';
import type { IncidentEvent } from '../events.js';
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

/** What a reminder outbox row carries besides its incident's event: which reminder it is. */
export interface ReminderInfo {
  /** 0: the first reminder after the alert; each next one waits twice as long (`reminderGapMs`). */
  readonly index: number;
}

/** A reminder to plan for a chat: which incident, which one in its chain, when, with what event. */
export interface PlannedReminder {
  readonly incidentId: number;
  readonly index: number;
  readonly dueAt: number;
  /** The incident's event the reminder shows (its name, start and severity). */
  readonly event: IncidentEvent;
}

/**
 * The reminders to plan when a delivery to a chat was sent at `at` (the outbox stores call it in
 * the settlement's transaction, so a crash loses both or neither): after a reminder, the next one
 * of its chain; after an alert (any message showing incidents that are not resolved), the first one
 * of each such incident. Nothing when the chat has reminders off. The store skips an incident that
 * already has a reminder planned or in flight for the chat (at most one per incident and chat), or
 * whose latest news for the chat is its recovery.
 */
export function remindersAfterSend(
  claim: {
    readonly chat: {
      readonly settings: Pick<ChatSettings, 'remindMinutes' | 'quietHours' | 'mutedUntil' | 'timeZone'>;
    };
    readonly items: readonly { readonly incidentId: number; readonly event: IncidentEvent }[];
    readonly reminder?: ReminderInfo;
  },
  at: number,
  minuteMs?: number,
): PlannedReminder[] {
  const { settings } = claim.chat;
  if (settings.remindMinutes === null) return [];
  const plan = (event: IncidentEvent, index: number): PlannedReminder | null => {
    const dueAt = nextReminderAt({
      remindMinutes: settings.remindMinutes,
      since: at,
      index,
      settings,
      ...(minuteMs === undefined ? {} : { minuteMs }),
    });
    return dueAt === null ? null : { incidentId: event.incidentId, index, dueAt, event };
  };
  const planned: PlannedReminder[] = [];
  if (claim.reminder !== undefined) {
    const item = claim.items[0];
    const next = item ? plan(item.event, claim.reminder.index + 1) : null;
    return next ? [next] : [];
  }
  // The latest event of each incident the message showed; a recovery ends its incident's chain.
  const latest = new Map<number, IncidentEvent>();
  for (const item of claim.items) latest.set(item.incidentId, item.event);
  for (const event of latest.values()) {
    if (event.kind === 'resolved') continue;
    const first = plan(event, 0);
    if (first) planned.push(first);
  }
  return planned;
}

/** The payload of a reminder's outbox event: the incident's event, with which reminder it is. */
export function reminderPayload(r: PlannedReminder): string {
  return JSON.stringify({ ...r.event, reminder: { index: r.index } });
}

/** Which reminder a reminder row's payload is (see {@link reminderPayload}); index 0 when unreadable. */
export function reminderOf(payload: unknown): ReminderInfo {
  const index = (payload as { reminder?: { index?: unknown } } | null)?.reminder?.index;
  return { index: typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : 0 };
}
