import { describe, expect, it } from 'vitest';
import {
  COMMUNITY_NOTICE_EVERY_MS,
  communityNoticeDue,
  type CommunityNoticeInput,
} from '../../../src/core/crowd/community-notice.js';
import type { CrowdLevel } from '../../../src/core/crowd/crowd-decision.js';

const NOW = Date.parse('2026-12-07T09:00:00Z');
const HOUR = 3_600_000;

describe('communityNoticeDue', () => {
  // The table of the function's comment, row by row, plus the edges around it.
  const cases: readonly [number, number, CrowdLevel, boolean, number | null, boolean, string][] = [
    [5, 0.2, 'none', false, null, true, "a spike's size"],
    [4, 0.2, 'none', false, null, false, 'below the spike floor (5)'],
    [1000, 0.2, 'none', false, null, true, 'a brigade is capped at 10, still a spike'],
    [7, 1, 'none', false, null, true, 'λ = 1: a spike from 7'],
    [6, 1, 'none', false, null, false, 'λ = 1: 6 is not yet'],
    [10, 2, 'none', false, null, true, 'λ = 2: a spike from 10, the cap'],
    [10, 5, 'none', false, null, false, 'λ = 5: the cap (10) is below 3·λ'],
    [1000, 5, 'none', false, null, false, 'λ = 5: the cap holds whatever the number'],
    [6, 0.2, 'possible', false, null, false, 'others see it too'],
    [6, 0.2, 'detected', false, null, false, 'others see it too'],
    [6, 0.2, 'none', true, null, false, 'the probes see it'],
    [6, 0.2, 'none', false, NOW - 5 * HOUR, false, 'once per 6 hours'],
    [6, 0.2, 'none', false, NOW - COMMUNITY_NOTICE_EVERY_MS + 1, false, 'a millisecond short'],
    [6, 0.2, 'none', false, NOW - COMMUNITY_NOTICE_EVERY_MS, true, 'the 6 hours are over'],
  ];
  it.each(cases)('%i reporters, λ %d, global %s, incident %s, last %s → %s (%s)', (...row) => {
    const [reporters, expected, globalLevel, inIncident, lastNoticeAt, due] = row;
    const input: CommunityNoticeInput = {
      reporters,
      expected,
      globalLevel,
      inIncident,
      lastNoticeAt,
      now: NOW,
    };
    expect(communityNoticeDue(input)).toBe(due);
  });

  // Reporters here, reporters of each other community in the same span → due.
  const withOthers: readonly [number, readonly number[], boolean, string][] = [
    [10, [], true, 'nobody else'],
    [10, [1], true, 'together 1 + 1: no spike'],
    [10, [1, 1], true, 'together 2 + 2: no spike'],
    [10, [3], false, 'together 3 + 3: a spike, everyone is about to hear'],
    [5, [5], false, 'two communities alike: a spike together'],
    [50, [2], true, 'a brigade still counts 10 at most: 2 + 2'],
  ];
  it.each(withOthers)('%i here, others %j → %s (%s)', (reporters, others, due) => {
    const input = {
      reporters,
      others,
      expected: 0.2,
      globalLevel: 'none',
      inIncident: false,
      lastNoticeAt: null,
      now: NOW,
    } as const;
    expect(communityNoticeDue(input)).toBe(due);
  });

  it('waits 6 hours between notices', () => {
    expect(COMMUNITY_NOTICE_EVERY_MS).toBe(6 * HOUR);
  });
});
