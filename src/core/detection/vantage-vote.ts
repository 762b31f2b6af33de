/**
 * Votes between vantage points (docs/cluster.md, "Vantage points"): several instances of the bot,
 * each seeing the internet through its own network, probe one monitor; the owner of its service
 * fuses their latest results into the one outcome its detection engine counts. A service is down
 * when a majority of the vantage points that voted saw it down; one vantage point failing alone is
 * that vantage point's own trouble, told to the operator, never an outage.
 *
 * Not to be confused with the vantage guard (vantage-guard.ts), which judges one instance's own
 * network from its control targets and from many services failing at once.
 */
import type { OutcomeReason, ProbeOutcome } from '../model.js';

/**
 * What a vantage point's latest check said, as it is shared between instances: `up` (a degraded
 * outcome is `up` with its reason, see `voteStatusOf`), `down`, or `unknown` (no opinion).
 */
export type VoteStatus = 'up' | 'down' | 'unknown';

/** Another vantage point's latest check of the monitor (a row of `vantage_results`). */
export interface VantageVote {
  readonly vantage: string;
  readonly status: VoteStatus;
  readonly reason: OutcomeReason;
  readonly message: string;
  /** When that instance's check finished, epoch ms (its clock). */
  readonly at: number;
}

export interface VoteInput {
  /** The owner's vantage point and its own outcome of this check. */
  readonly own: { readonly vantage: string; readonly outcome: ProbeOutcome };
  /** The latest row of every vantage point (the owner's own row, if present, is ignored). */
  readonly others: readonly VantageVote[];
  /** Now, epoch ms. */
  readonly at: number;
  /**
   * Rows older than this do not vote (an instance that stopped probing, or whose results stopped
   * arriving): e.g. two intervals of the monitor plus 30 s.
   */
  readonly freshMs: number;
}

export interface VoteResult {
  /** The outcome the engine counts; `facts.vantages` says `down` of `of` when more than one voted. */
  readonly outcome: ProbeOutcome;
  /** Vantage points that voted down. */
  readonly down: number;
  /** Vantage points that voted (fresh, not `unknown`). */
  readonly of: number;
  /**
   * Vantage points that saw the monitor down while the verdict is not down: a minority failing,
   * their own local trouble. Sorted by name.
   */
  readonly dissenters: readonly string[];
}

/** How an outcome is shared: degraded stays `up` with its own reason; maintenance has no opinion. */
export function voteStatusOf(status: ProbeOutcome['status']): VoteStatus {
  if (status === 'down') return 'down';
  if (status === 'up' || status === 'degraded') return 'up';
  return 'unknown';
}

/** A shared vote's status as an outcome's: `up` with any reason but `ok` was a degraded outcome. */
export function outcomeStatusOf(vote: Pick<VantageVote, 'status' | 'reason'>): ProbeOutcome['status'] {
  if (vote.status === 'up') return vote.reason === 'ok' ? 'up' : 'degraded';
  return vote.status;
}

interface Ballot {
  readonly vantage: string;
  readonly status: ProbeOutcome['status'];
  /** The outcome itself for the owner's own ballot; others are rebuilt from their row. */
  readonly outcome: ProbeOutcome;
}

/**
 * | fresh votes (unknown abstains)      | fused status |
 * |-------------------------------------|--------------|
 * | down × 2 > voters                   | down         |
 * | (down + degraded) × 2 > voters      | degraded     |
 * | otherwise (ties included)           | up           |
 * | no voter at all                     | the owner's own outcome (unknown) |
 *
 * The fused outcome is the owner's own when it agrees with the verdict (its latency and facts are
 * the ones measured here), else the first agreeing vantage point's by name (reason and message
 * from its row, no latency). Either way `facts.vantages` is `{ down, of }` when `of` > 1.
 */
export function fuseVotes(input: VoteInput): VoteResult {
  const { own, at, freshMs } = input;
  const ballots: Ballot[] = [{ vantage: own.vantage, status: own.outcome.status, outcome: own.outcome }];
  const others = input.others
    .filter((v) => v.vantage !== own.vantage && at - v.at <= freshMs)
    .sort((a, b) => (a.vantage < b.vantage ? -1 : a.vantage > b.vantage ? 1 : 0));
  for (const v of others) {
    const status = outcomeStatusOf(v);
    ballots.push({
      vantage: v.vantage,
      status,
      outcome: { status, reason: v.reason, message: v.message, latencyMs: null },
    });
  }
  const voters = ballots.filter((b) => voteStatusOf(b.status) !== 'unknown');
  const of = voters.length;
  if (of === 0) return { outcome: own.outcome, down: 0, of: 0, dissenters: [] };
  const down = voters.filter((b) => b.status === 'down').length;
  const troubled = down + voters.filter((b) => b.status === 'degraded').length;
  const verdict: ProbeOutcome['status'] = down * 2 > of ? 'down' : troubled * 2 > of ? 'degraded' : 'up';
  // The owner's ballot comes first, so it speaks when it agrees. Some voter always has the
  // verdict's status (a down or degraded verdict needs such votes; an up one, an up vote).
  const chosen = voters.find((b) => b.status === verdict) ?? ballots[0];
  const dissenters =
    verdict === 'down'
      ? []
      : voters
          .filter((b) => b.status === 'down')
          .map((b) => b.vantage)
          .sort();
  const picked = chosen?.outcome ?? own.outcome;
  const outcome: ProbeOutcome =
    of > 1 ? { ...picked, facts: { ...picked.facts, vantages: { down, of } } } : picked;
  return { outcome, down, of, dissenters };
}
