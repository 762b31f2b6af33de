/**
 * A community's own notice. One chat or guild alone never moves the global crowd level
 * (`independentCount` in crowd-window.ts), so its members' reports would otherwise go unanswered
 * while the probes are green. When its own reporters alone are as many as a spike would need, it
 * is told, and only it: "N members here report problems with X; our probes and other communities
 * see nothing yet". See docs/crowd.md §9.
 */
import type { CrowdLevel } from './crowd-decision.js';
import { testWindow } from './crowd-decision.js';
import { independentCount, MAX_REPORTS_PER_CHAT_PER_WINDOW } from './crowd-window.js';

/** A community hears about one service at most once per this long. */
export const COMMUNITY_NOTICE_EVERY_MS = 6 * 60 * 60_000;

/** What `communityNoticeDue` looks at when a member's report has just been counted. */
export interface CommunityNoticeInput {
  /** Distinct reporters of this community for the service in the last window, this one included. */
  readonly reporters: number;
  /**
   * Distinct reporters of each other community in the same span; omitted when not looked up
   * (the caller looks them up only when the other rules pass: it is the costlier query).
   */
  readonly others?: readonly number[];
  /** λ: the reporters a window of this service normally gets (its crowd baseline). */
  readonly expected: number;
  /** The global crowd level in force for the service. */
  readonly globalLevel: CrowdLevel;
  /** The service has an open incident (its subscribers were told already). */
  readonly inIncident: boolean;
  /** When this community was last given a notice about this service; null: never (or not kept). */
  readonly lastNoticeAt: number | null;
  readonly now: number;
}

/**
 * Whether the community gets its notice now. Rules, all of them:
 * 1. its reporters, capped at `MAX_REPORTS_PER_CHAT_PER_WINDOW` as in any window, make a spike
 *    against λ (`testWindow`): the size that would have raised "possible problems" had one
 *    community been allowed to;
 * 2. nobody else says anything yet: no open incident, the global crowd level is `none`, and this
 *    community together with the others (`independentCount`) does not make a spike in the same
 *    span: otherwise the subscribers have had or will soon have an alert, and "other communities
 *    see nothing yet" would be false;
 * 3. no notice about this service to this community within `COMMUNITY_NOTICE_EVERY_MS`.
 *
 * | reporters | λ   | global   | incident | last notice | due | why                           |
 * |-----------|-----|----------|----------|-------------|-----|-------------------------------|
 * | 5         | 0.2 | none     | no       | never       | yes | a spike's size                |
 * | 4         | 0.2 | none     | no       | never       | no  | below the spike floor (5)     |
 * | 10        | 5   | none     | no       | never       | no  | the cap (10) is below 3·λ     |
 * | 6         | 0.2 | possible | no       | never       | no  | others see it too             |
 * | 6         | 0.2 | none     | yes      | never       | no  | the probes see it             |
 * | 6         | 0.2 | none     | no       | 5 h ago     | no  | once per 6 hours              |
 * | 6         | 0.2 | none     | no       | 6 h ago     | yes | the 6 hours are over          |
 *
 * With others: 10 here and 1 elsewhere (together 2) is due; 10 here and 3 elsewhere (together 6,
 * a spike at λ = 0.2) is not, since the global level is about to say it for everyone.
 */
export function communityNoticeDue(input: CommunityNoticeInput): boolean {
  if (input.inIncident || input.globalLevel !== 'none') return false;
  if (input.lastNoticeAt !== null && input.now - input.lastNoticeAt < COMMUNITY_NOTICE_EVERY_MS) return false;
  const cap = (n: number): number => Math.min(n, MAX_REPORTS_PER_CHAT_PER_WINDOW);
  if (!testWindow(cap(input.reporters), input.expected).spike) return false;
  const together = independentCount([cap(input.reporters), ...(input.others ?? []).map(cap)]);
  return !testWindow(together, input.expected).spike;
}
