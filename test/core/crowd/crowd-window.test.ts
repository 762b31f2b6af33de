import { describe, expect, it } from 'vitest';
import {
  hourOfWeekSlot,
  independentCount,
  MAX_REPORTS_PER_CHAT_PER_WINDOW,
  SLOTS_PER_WEEK,
  summariseWindow,
  WINDOW_MS,
  windowStart,
  type CrowdReport,
} from '../../../src/core/crowd/crowd-window.js';
import { summariseKinds } from '../../../src/core/crowd/problem-kind.js';

describe('windowStart', () => {
  it('aligns to 5-minute boundaries in UTC', () => {
    expect(windowStart(Date.UTC(2021, 2, 19, 17, 14, 59, 999))).toBe(Date.UTC(2021, 2, 19, 17, 10));
    expect(windowStart(Date.UTC(2021, 2, 19, 17, 15))).toBe(Date.UTC(2021, 2, 19, 17, 15));
    expect(windowStart(-1)).toBe(-WINDOW_MS);
  });
});

describe('hourOfWeekSlot', () => {
  const cases: readonly [string, number][] = [
    ['2021-03-15T00:00:00Z', 0], // a Monday
    ['2021-03-15T00:04:59Z', 0],
    ['2021-03-15T00:05:00Z', 1],
    ['2021-03-15T20:00:00Z', 240],
    ['2021-03-19T17:15:00Z', 4 * 288 + 207], // the founding outage, a Friday
    ['2021-03-21T23:55:00Z', SLOTS_PER_WEEK - 1], // Sunday's last window
    ['2021-03-22T00:00:00Z', 0],
    ['1970-01-01T00:00:00Z', 3 * 288], // the epoch was a Thursday
  ];
  it.each(cases)('puts %s in slot %i', (iso, slot) => {
    expect(hourOfWeekSlot(Date.parse(iso))).toBe(slot);
  });

  it('has 2016 slots', () => {
    expect(SLOTS_PER_WEEK).toBe(2016);
  });
});

const report = (reporter: string, chat: string, kind: CrowdReport['kind'] = 'sending'): CrowdReport => ({
  reporterHash: reporter,
  chatKey: chat,
  kind,
});

describe('summariseWindow', () => {
  it('counts distinct reporters and chats, and kinds of the counted reports', () => {
    const summary = summariseWindow([
      report('a', 'tg:1', 'sending'),
      report('b', 'tg:1', 'connection'),
      report('a', 'dc:9', 'login'), // the same person again: ignored
      report('c', 'dc:9', 'sending'),
    ]);
    expect(summary).toEqual({
      distinctReporters: 3,
      distinctChats: 2,
      cappedCount: 3,
      // tg:1 has 2, dc:9 has 1: tg:1 counts for no more than dc:9, so 1 + 1.
      effectiveCount: 2,
      // Balanced as the count is: tg:1's two reporters weigh a half each.
      kinds: { connection: 0.5, sending: 1.5, login: 0, app: 0, website: 0, other: 0 },
    });
  });

  it('caps how many reporters one chat contributes, first come first counted', () => {
    const brigade = Array.from({ length: 50 }, (_, i) =>
      report(`r${i}`, 'tg:brigade', i < 10 ? 'app' : 'login'),
    );
    const summary = summariseWindow([...brigade, report('elsewhere', 'dc:1', 'sending')]);
    expect(summary.distinctReporters).toBe(51);
    expect(summary.distinctChats).toBe(2);
    expect(summary.cappedCount).toBe(MAX_REPORTS_PER_CHAT_PER_WINDOW + 1);
    expect(summary.effectiveCount).toBe(2);
    // The brigade's 10 counted reporters weigh as much as the one elsewhere: it cannot decide
    // the top problem on its own (10 "app" against 1 "sending" before).
    expect(summary.kinds.app).toBeCloseTo(1);
    expect(summary.kinds.login).toBe(0);
    expect(summary.kinds.sending).toBe(1);
    expect(summariseKinds(summary.kinds)[0]?.kind).toBe('sending');
  });

  it('is all zeros for an empty window', () => {
    const summary = summariseWindow([]);
    expect(
      summary.distinctReporters + summary.distinctChats + summary.cappedCount + summary.effectiveCount,
    ).toBe(0);
  });

  it('counts nothing for one community alone, however many of its members report', () => {
    for (const members of [1, 5, 10, 50, 1000]) {
      const summary = summariseWindow(
        Array.from({ length: members }, (_, i) => report(`r${i}`, 'discord:guild:7', 'app')),
      );
      expect(summary.effectiveCount).toBe(0);
      expect(summary.cappedCount).toBe(Math.min(members, MAX_REPORTS_PER_CHAT_PER_WINDOW));
    }
  });
});

describe('independentCount', () => {
  // Counted reporters per community (after the per-chat cap) → what the window counts for.
  const cases: readonly [readonly number[], number, string][] = [
    [[], 0, 'nobody'],
    [[10], 0, 'one community alone'],
    [[10, 0], 0, 'an empty second community adds nothing'],
    [[10, 1], 2, 'a brigade counts for no more than the others'],
    [[10, 3], 6, 'three people elsewhere: a spike at λ = 0.2 (5)'],
    [[5, 5], 10, 'two equal communities count in full'],
    [[3, 2], 4, 'the larger one is trimmed to the rest'],
    [[10, 10], 20, 'two full communities'],
    [[2, 2, 2, 2], 8, 'many small communities count in full'],
    [[10, 4, 4], 16, 'the largest is trimmed to the sum of the others'],
  ];
  it.each(cases)('%j counts %i: %s', (perCommunity, expected) => {
    expect(independentCount(perCommunity)).toBe(expected);
  });
});
