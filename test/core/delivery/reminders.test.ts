import { describe, expect, it } from 'vitest';
import {
  isRemindPace,
  MAX_REMINDER_GAP_MS,
  nextReminderAt,
  reminderGapMs,
} from '../../../src/core/delivery/reminders.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2026-01-05 10:00 UTC. */
const T0 = Date.UTC(2026, 0, 5, 10, 0);
const OPEN = { quietHours: null, mutedUntil: null, timeZone: 'UTC' } as const;

/** The times of the first `count` reminders when each goes out as soon as it is due. */
function schedule(remindMinutes: number, count: number, settings = OPEN): number[] {
  const times: number[] = [];
  let since = T0;
  for (let index = 0; index < count; index++) {
    const at = nextReminderAt({ remindMinutes, since, index, settings });
    if (at === null) throw new Error('reminders off');
    times.push(at);
    since = at;
  }
  return times;
}

describe('still-down reminder schedule', () => {
  it('backs off from the pace, doubling: 30 min, 1 h, 2 h, 4 h after one another', () => {
    expect(schedule(30, 4).map((t) => t - T0)).toEqual([30 * MIN, 90 * MIN, 210 * MIN, 450 * MIN]);
  });

  it('never waits more than a day between two reminders', () => {
    const gaps = [0, 1, 2, 3, 4, 5, 6, 7, 40].map((i) => reminderGapMs(4 * HOUR, i));
    expect(gaps).toEqual([4, 8, 16, 24, 24, 24, 24, 24, 24].map((h) => h * HOUR));
    expect(Math.max(...schedule(60, 12).map((t, i, all) => t - (all[i - 1] ?? T0)))).toBe(
      MAX_REMINDER_GAP_MS,
    );
  });

  it('is off when the chat chose no pace', () => {
    expect(nextReminderAt({ remindMinutes: null, since: T0, index: 0, settings: OPEN })).toBeNull();
  });

  it('waits out quiet hours in the chat’s zone and counts the next gap from then', () => {
    // Quiet 10:15-12:00 in Dhaka (UTC+6) is 04:15-06:00 UTC; the alert went out at 04:00 UTC.
    const settings = {
      quietHours: { startMinute: 615, endMinute: 720 },
      mutedUntil: null,
      timeZone: 'Asia/Dhaka',
    };
    const alertAt = Date.UTC(2026, 0, 5, 4, 0);
    const first = nextReminderAt({ remindMinutes: 30, since: alertAt, index: 0, settings });
    expect(first).toBe(Date.UTC(2026, 0, 5, 6, 0));
    expect(nextReminderAt({ remindMinutes: 30, since: first!, index: 1, settings })).toBe(
      Date.UTC(2026, 0, 5, 7, 0),
    );
  });

  it('waits out a mute', () => {
    const settings = { ...OPEN, mutedUntil: T0 + 3 * HOUR };
    expect(nextReminderAt({ remindMinutes: 60, since: T0, index: 0, settings })).toBe(T0 + 3 * HOUR);
    // A mute that ended before the reminder is due changes nothing.
    expect(
      nextReminderAt({ remindMinutes: 60, since: T0, index: 0, settings: { ...OPEN, mutedUntil: T0 } }),
    ).toBe(T0 + HOUR);
  });

  it('scales the pace minute for tests only when asked', () => {
    expect(nextReminderAt({ remindMinutes: 30, since: T0, index: 1, settings: OPEN, minuteMs: 100 })).toBe(
      T0 + 6_000,
    );
  });

  it('accepts exactly the offered paces and refuses nonsense gaps', () => {
    expect([30, 60, 120, 240].every(isRemindPace)).toBe(true);
    expect([0, 15, 45, 480].some(isRemindPace)).toBe(false);
    expect(() => reminderGapMs(0, 0)).toThrow(RangeError);
    expect(() => reminderGapMs(MIN, -1)).toThrow(RangeError);
  });
});
