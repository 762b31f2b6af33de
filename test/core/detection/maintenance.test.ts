import { describe, expect, it } from 'vitest';
import {
  type MaintenanceWindow,
  maintenanceState,
  occurrenceAt,
  recurrenceProblem,
} from '../../../src/core/detection/maintenance.js';

const t = (iso: string): number => Date.parse(iso);
const H = 3600_000;

const recurring = (
  cron: string,
  durationMs: number,
  timezone: string,
  serviceIds: string[] = ['svc'],
  reason: string | null = null,
): MaintenanceWindow => ({
  serviceIds,
  schedule: { kind: 'recurring', cron, durationMs, timezone },
  reason,
});
const once = (
  start: string,
  end: string,
  serviceIds: string[] = ['svc'],
  reason: string | null = null,
): MaintenanceWindow => ({
  serviceIds,
  schedule: { kind: 'once', startMs: t(start), endMs: t(end) },
  reason,
});

describe('a one-off window', () => {
  const w = once('2026-12-24T22:00:00+06:00', '2026-12-25T02:00:00+06:00', ['github'], 'Datacentre move');

  it('covers its start, not its end', () => {
    expect(occurrenceAt(w, t('2026-12-24T15:59:59.999Z'))).toBeNull();
    expect(occurrenceAt(w, t('2026-12-24T16:00:00Z'))).toEqual({
      start: t('2026-12-24T16:00:00Z'),
      end: t('2026-12-24T20:00:00Z'),
    });
    expect(occurrenceAt(w, t('2026-12-24T19:59:59.999Z'))).not.toBeNull();
    expect(occurrenceAt(w, t('2026-12-24T20:00:00Z'))).toBeNull();
  });

  it('says which services, until when, why, and when the next change comes', () => {
    const before = maintenanceState([w], t('2026-12-24T10:00:00Z'));
    expect(before.active.size).toBe(0);
    expect(before.nextChangeAt).toBe(t('2026-12-24T16:00:00Z'));
    const during = maintenanceState([w], t('2026-12-24T18:00:00Z'));
    expect(during.active.get('github')).toEqual({
      since: t('2026-12-24T16:00:00Z'),
      until: t('2026-12-24T20:00:00Z'),
      reason: 'Datacentre move',
    });
    expect(during.active.has('svc')).toBe(false);
    expect(during.nextChangeAt).toBe(t('2026-12-24T20:00:00Z'));
    expect(maintenanceState([w], t('2026-12-24T20:00:00Z')).nextChangeAt).toBeNull();
  });
});

describe('a recurring window', () => {
  it('every Sunday 03:00-05:00 in Dhaka (UTC+6, no DST)', () => {
    const w = recurring('0 3 * * 0', 2 * H, 'Asia/Dhaka');
    // Sunday 6 December 2026, 03:00 Dhaka = Saturday 21:00 UTC.
    expect(occurrenceAt(w, t('2026-12-05T20:59:00Z'))).toBeNull();
    expect(occurrenceAt(w, t('2026-12-05T21:00:00Z'))).toEqual({
      start: t('2026-12-05T21:00:00Z'),
      end: t('2026-12-05T23:00:00Z'),
    });
    expect(occurrenceAt(w, t('2026-12-05T22:59:59Z'))?.end).toBe(t('2026-12-05T23:00:00Z'));
    expect(occurrenceAt(w, t('2026-12-05T23:00:00Z'))).toBeNull();
    // Not on the Monday.
    expect(occurrenceAt(w, t('2026-12-06T21:30:00Z'))).toBeNull();
    expect(maintenanceState([w], t('2026-12-06T21:30:00Z')).nextChangeAt).toBe(t('2026-12-12T21:00:00Z'));
  });

  it('spanning midnight: 23:00-01:00 Dhaka is inside on both days and ends at 01:00', () => {
    const w = recurring('0 23 * * *', 2 * H, 'Asia/Dhaka');
    const start = t('2026-12-07T17:00:00Z'); // 23:00 Dhaka on the 7th
    expect(occurrenceAt(w, t('2026-12-07T16:59:00Z'))).toBeNull();
    expect(occurrenceAt(w, t('2026-12-07T17:30:00Z'))).toEqual({ start, end: start + 2 * H });
    // 00:30 Dhaka on the 8th, after midnight there (and after UTC midnight's neighbour day too).
    const late = maintenanceState([w], t('2026-12-07T18:30:00Z'));
    expect(late.active.get('svc')).toEqual({ since: start, until: start + 2 * H, reason: null });
    expect(late.nextChangeAt).toBe(start + 2 * H);
    expect(occurrenceAt(w, t('2026-12-07T19:00:00Z'))).toBeNull();
  });

  it('spanning UTC midnight, read from the day before', () => {
    const w = recurring('0 22 * * *', 4 * H, 'UTC');
    expect(occurrenceAt(w, t('2026-12-08T01:59:00Z'))).toEqual({
      start: t('2026-12-07T22:00:00Z'),
      end: t('2026-12-08T02:00:00Z'),
    });
  });

  describe('across DST changes (Europe/London)', () => {
    const w = recurring('30 1 * * *', H, 'Europe/London');

    it('the day before spring forward: 01:30-02:30 GMT', () => {
      expect(occurrenceAt(w, t('2026-03-28T01:45:00Z'))).toEqual({
        start: t('2026-03-28T01:30:00Z'),
        end: t('2026-03-28T02:30:00Z'),
      });
    });

    it('spring forward (01:30 does not exist): starts right after the gap, 02:30 BST, for an hour', () => {
      expect(occurrenceAt(w, t('2026-03-29T00:45:00Z'))).toBeNull();
      expect(occurrenceAt(w, t('2026-03-29T01:45:00Z'))).toEqual({
        start: t('2026-03-29T01:30:00Z'),
        end: t('2026-03-29T02:30:00Z'),
      });
      // The day after: 01:30 BST = 00:30 UTC.
      expect(occurrenceAt(w, t('2026-03-30T00:45:00Z'))?.start).toBe(t('2026-03-30T00:30:00Z'));
    });

    it('fall back (01:30 happens twice): one window, from the first 01:30, whatever instant asks', () => {
      const first = { start: t('2026-10-25T00:30:00Z'), end: t('2026-10-25T01:30:00Z') };
      expect(occurrenceAt(w, t('2026-10-25T00:30:00Z'))).toEqual(first);
      expect(occurrenceAt(w, t('2026-10-25T01:15:00Z'))).toEqual(first);
      // 01:45 GMT, after the second 01:30: no second window.
      expect(occurrenceAt(w, t('2026-10-25T01:45:00Z'))).toBeNull();
      expect(occurrenceAt(w, t('2026-10-25T02:15:00Z'))).toBeNull();
      expect(maintenanceState([w], t('2026-10-25T01:45:00Z')).nextChangeAt).toBe(t('2026-10-26T01:30:00Z'));
    });

    it('the duration is elapsed time: 00:00 BST + 4 h ends at 03:00 GMT on the fall-back night', () => {
      const midnight = recurring('0 0 * * *', 4 * H, 'Europe/London');
      const start = t('2026-10-24T23:00:00Z');
      expect(occurrenceAt(midnight, t('2026-10-25T02:59:00Z'))).toEqual({ start, end: start + 4 * H });
      expect(occurrenceAt(midnight, t('2026-10-25T03:00:00Z'))).toBeNull();
    });
  });

  it('occurrences that overlap or touch are one maintenance; its end follows them', () => {
    // Every hour, for 90 minutes: never a gap.
    const w = recurring('0 * * * *', 90 * 60_000, 'UTC');
    const state = maintenanceState([w], t('2026-12-07T10:10:00Z'));
    const active = state.active.get('svc');
    expect(active?.since).toBe(t('2026-12-07T09:00:00Z'));
    // It never ends: `until` follows the occurrences about a week ahead, then stops reading.
    expect(active?.until).toBeGreaterThan(t('2026-12-14T10:00:00Z'));
    expect(active?.until).toBeLessThan(t('2026-12-15T00:00:00Z'));
    // The next start (11:00) comes before the covering occurrence's end (11:30).
    expect(state.nextChangeAt).toBe(t('2026-12-07T11:00:00Z'));
  });

  it('two windows back to back for one service end at the second one’s end', () => {
    const a = once('2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z', ['svc'], 'first');
    const b = once('2026-12-07T11:00:00Z', '2026-12-07T12:00:00Z', ['svc', 'other'], 'second');
    const state = maintenanceState([a, b], t('2026-12-07T10:30:00Z'));
    expect(state.active.get('svc')).toEqual({
      since: t('2026-12-07T10:00:00Z'),
      until: t('2026-12-07T12:00:00Z'),
      reason: 'first',
    });
    expect(state.active.has('other')).toBe(false);
    expect(state.nextChangeAt).toBe(t('2026-12-07T11:00:00Z'));
    const later = maintenanceState([a, b], t('2026-12-07T11:00:00Z'));
    expect(later.active.get('svc')?.reason).toBe('second');
    expect(later.active.get('other')?.until).toBe(t('2026-12-07T12:00:00Z'));
  });
});

describe('recurrenceProblem', () => {
  it('accepts 5-field expressions that fire', () => {
    expect(recurrenceProblem('0 3 * * 0')).toBeNull();
    expect(recurrenceProblem('*/15 2-4 * * 1-5')).toBeNull();
  });

  it('refuses other field counts, bad values and dates that never come', () => {
    expect(recurrenceProblem('0 0 3 * * 0')).toMatch(/5 fields/);
    expect(recurrenceProblem('0 3 * *')).toMatch(/5 fields/);
    expect(recurrenceProblem('61 3 * * 0')).toMatch(/invalid cron expression/);
    expect(recurrenceProblem('0 3 * * funday')).toMatch(/invalid cron expression/);
    expect(recurrenceProblem('0 0 31 2 *')).toMatch(/invalid cron expression/);
  });
});
