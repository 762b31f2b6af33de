import { describe, expect, it } from 'vitest';
import {
  type VantageVote,
  type VoteStatus,
  fuseVotes,
  outcomeStatusOf,
  voteStatusOf,
} from '../../../src/core/detection/vantage-vote.js';
import type { OutcomeReason, ProbeOutcome } from '../../../src/core/model.js';

const AT = 1_800_000_000_000;
const FRESH_MS = 150_000;

const OWN: Record<ProbeOutcome['status'], ProbeOutcome> = {
  up: { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 42, facts: { statusCode: 200 } },
  degraded: { status: 'degraded', reason: 'slow', message: 'slow: 3100 ms', latencyMs: 3100 },
  down: {
    status: 'down',
    reason: 'http-status',
    message: 'HTTP 503',
    latencyMs: 12,
    facts: { statusCode: 503 },
  },
  unknown: { status: 'unknown', reason: 'aborted', message: 'check cancelled', latencyMs: null },
  maintenance: {
    status: 'maintenance',
    reason: 'official-maintenance',
    message: 'maintenance',
    latencyMs: null,
  },
};

const REASON: Record<VoteStatus, OutcomeReason> = { up: 'ok', down: 'timeout', unknown: 'aborted' };

/** Another vantage point's row: `name:status[:ageMs]`, e.g. `b:down` or `c:up:200000`. */
function vote(spec: string): VantageVote {
  const [vantage = '', status = 'up', age = '1000'] = spec.split(':');
  const s = (status === 'slow' ? 'up' : status) as VoteStatus;
  return {
    vantage,
    status: s,
    reason: status === 'slow' ? 'slow' : REASON[s],
    message: `${vantage} says ${status}`,
    at: AT - Number(age),
  };
}

interface Row {
  readonly name: string;
  readonly own: keyof typeof OWN;
  readonly others: readonly string[];
  readonly status: ProbeOutcome['status'];
  readonly down: number;
  readonly of: number;
  readonly dissenters: readonly string[];
  /** Whose outcome the fused one is: `own`, or the other vantage point's name. */
  readonly from: string;
}

const table: readonly Row[] = [
  {
    name: '1 of 1: the owner alone, down',
    own: 'down',
    others: [],
    status: 'down',
    down: 1,
    of: 1,
    dissenters: [],
    from: 'own',
  },
  {
    name: '1 of 1: the owner alone, up',
    own: 'up',
    others: [],
    status: 'up',
    down: 0,
    of: 1,
    dissenters: [],
    from: 'own',
  },
  {
    name: '1 of 3: the owner failing alone',
    own: 'down',
    others: ['b:up', 'c:up'],
    status: 'up',
    down: 1,
    of: 3,
    dissenters: ['a'],
    from: 'b',
  },
  {
    name: '1 of 3: another failing alone',
    own: 'up',
    others: ['b:up', 'c:down'],
    status: 'up',
    down: 1,
    of: 3,
    dissenters: ['c'],
    from: 'own',
  },
  {
    name: '2 of 3: the owner among them',
    own: 'down',
    others: ['b:down', 'c:up'],
    status: 'down',
    down: 2,
    of: 3,
    dissenters: [],
    from: 'own',
  },
  {
    name: '2 of 3: the owner outvoted',
    own: 'up',
    others: ['b:down', 'c:down'],
    status: 'down',
    down: 2,
    of: 3,
    dissenters: [],
    from: 'b',
  },
  {
    name: '3 of 3',
    own: 'down',
    others: ['b:down', 'c:down'],
    status: 'down',
    down: 3,
    of: 3,
    dissenters: [],
    from: 'own',
  },
  {
    name: '0 of 3',
    own: 'up',
    others: ['b:up', 'c:up'],
    status: 'up',
    down: 0,
    of: 3,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'stale votes do not vote: 2 stale down rows',
    own: 'up',
    others: ['b:down:150001', 'c:down:400000'],
    status: 'up',
    down: 0,
    of: 1,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'a vote exactly freshMs old still votes',
    own: 'down',
    others: ['b:down:150000', 'c:up'],
    status: 'down',
    down: 2,
    of: 3,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'stale up votes do not save a service down from every fresh vantage',
    own: 'down',
    others: ['b:down', 'c:up:200000', 'd:up:200000'],
    status: 'down',
    down: 2,
    of: 2,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'abstentions: unknown rows do not count',
    own: 'down',
    others: ['b:unknown', 'c:unknown'],
    status: 'down',
    down: 1,
    of: 1,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'abstentions: the owner unknown, the others decide',
    own: 'unknown',
    others: ['b:down', 'c:down'],
    status: 'down',
    down: 2,
    of: 2,
    dissenters: [],
    from: 'b',
  },
  {
    name: 'abstentions: an owner in maintenance abstains',
    own: 'maintenance',
    others: ['b:up', 'c:down'],
    status: 'up',
    down: 1,
    of: 2,
    dissenters: ['c'],
    from: 'b',
  },
  {
    name: "no voter at all: the owner's unknown outcome",
    own: 'unknown',
    others: ['b:unknown', 'c:down:999999'],
    status: 'unknown',
    down: 0,
    of: 0,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'tie 1 of 2: no majority, up',
    own: 'down',
    others: ['b:up'],
    status: 'up',
    down: 1,
    of: 2,
    dissenters: ['a'],
    from: 'b',
  },
  {
    name: 'tie 2 of 4: no majority, up',
    own: 'down',
    others: ['b:down', 'c:up', 'd:up'],
    status: 'up',
    down: 2,
    of: 4,
    dissenters: ['a', 'b'],
    from: 'c',
  },
  {
    name: '3 of 4: down',
    own: 'up',
    others: ['b:down', 'c:down', 'd:down'],
    status: 'down',
    down: 3,
    of: 4,
    dissenters: [],
    from: 'b',
  },
  {
    name: 'degraded by majority: slow at 2 of 3',
    own: 'degraded',
    others: ['b:slow', 'c:up'],
    status: 'degraded',
    down: 0,
    of: 3,
    dissenters: [],
    from: 'own',
  },
  {
    name: 'degraded: one down and one slow of 3',
    own: 'up',
    others: ['b:down', 'c:slow'],
    status: 'degraded',
    down: 1,
    of: 3,
    dissenters: ['b'],
    from: 'c',
  },
  {
    name: 'slow at 1 of 3: up',
    own: 'degraded',
    others: ['b:up', 'c:up'],
    status: 'up',
    down: 0,
    of: 3,
    dissenters: [],
    from: 'b',
  },
  {
    name: "the owner's own old row is ignored",
    own: 'up',
    others: ['a:down', 'b:up'],
    status: 'up',
    down: 0,
    of: 2,
    dissenters: [],
    from: 'own',
  },
];

describe('fuseVotes', () => {
  it.each(table)('$name', (row) => {
    const own = OWN[row.own];
    const result = fuseVotes({
      own: { vantage: 'a', outcome: own },
      others: row.others.map(vote),
      at: AT,
      freshMs: FRESH_MS,
    });
    expect(result.outcome.status).toBe(row.status);
    expect({ down: result.down, of: result.of }).toEqual({ down: row.down, of: row.of });
    expect(result.dissenters).toEqual(row.dissenters);
    const source =
      row.from === 'own' ? own : vote(row.others.find((o) => o.startsWith(`${row.from}:`)) ?? '');
    expect(result.outcome.message).toBe(source.message);
    expect(result.outcome.reason).toBe(source.reason);
    expect(result.outcome.latencyMs).toBe(row.from === 'own' ? own.latencyMs : null);
    if (row.of > 1) expect(result.outcome.facts?.vantages).toEqual({ down: row.down, of: row.of });
    else expect(result.outcome.facts?.vantages).toBeUndefined();
  });

  it("keeps the owner's own facts beside the vantage count", () => {
    const result = fuseVotes({
      own: { vantage: 'a', outcome: OWN.down },
      others: [vote('b:down'), vote('c:down')],
      at: AT,
      freshMs: FRESH_MS,
    });
    expect(result.outcome.facts).toEqual({ statusCode: 503, vantages: { down: 3, of: 3 } });
  });

  it('leaves 1 of 1 exactly the outcome it was given', () => {
    const result = fuseVotes({
      own: { vantage: 'a', outcome: OWN.down },
      others: [],
      at: AT,
      freshMs: FRESH_MS,
    });
    expect(result.outcome).toBe(OWN.down);
  });
});

describe('the shared status of an outcome', () => {
  it.each([
    ['up', 'ok', 'up'],
    ['degraded', 'slow', 'up'],
    ['down', 'timeout', 'down'],
    ['unknown', 'aborted', 'unknown'],
    ['maintenance', 'official-maintenance', 'unknown'],
  ] as const)(
    '%s (%s) is shared as %s and read back as it was, maintenance aside',
    (status, reason, shared) => {
      expect(voteStatusOf(status)).toBe(shared);
      const back = outcomeStatusOf({ status: shared, reason });
      expect(back).toBe(status === 'maintenance' ? 'unknown' : status);
    },
  );
});
