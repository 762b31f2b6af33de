import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CROWD_LEVELS,
  decideLevel,
  evaluateWindow,
  selectChain,
  testWindow,
  type CrowdLevel,
  type WindowRecord,
} from '../../../src/core/crowd/crowd-decision.js';
import { WINDOW_MS } from '../../../src/core/crowd/crowd-window.js';

/** The decision table lives in `decideLevel`'s doc comment; the test reads it from there. */
function readDecisionTable(): {
  latched: CrowdLevel;
  chain: string;
  strong: boolean;
  chats: number;
  level: CrowdLevel;
  why: string;
}[] {
  const source = readFileSync(new URL('../../../src/core/crowd/crowd-decision.ts', import.meta.url), 'utf8');
  const isLevel = (text: string): text is CrowdLevel => (CROWD_LEVELS as readonly string[]).includes(text);
  return source
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s*/, '').trim())
    .filter((line) => line.startsWith('|') && !line.startsWith('|--') && !line.startsWith('| latched'))
    .map((line) => {
      const [latched = '', chain = '', strong = '', chats = '', level = '', why = ''] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      if (!isLevel(latched) || !isLevel(level)) throw new Error(`bad table row: ${line}`);
      return { latched, chain, strong: strong === 'yes', chats: Number(chats), level, why };
    });
}

/** S spike, Q quiet, - neither; '.' marks the end of the available history. */
const parseChain = (chain: string): { spike: boolean; quiet: boolean }[] =>
  [...chain.split('.')[0]!].map((flag) => ({ spike: flag === 'S', quiet: flag === 'Q' }));

describe('decideLevel', () => {
  const table = readDecisionTable();

  it('has the table of its doc comment', () => {
    expect(table.length).toBeGreaterThanOrEqual(15);
  });

  it.each(table)('$latched + $chain (strong: $strong, chats: $chats) → $level: $why', (row) => {
    expect(
      decideLevel({
        latched: row.latched,
        chain: parseChain(row.chain),
        strong: row.strong,
        distinctChats: row.chats,
      }),
    ).toBe(row.level);
  });
});

describe('testWindow', () => {
  const cases: readonly {
    x: number;
    lambda: number;
    spike: boolean;
    strong: boolean;
    quiet: boolean;
    why: string;
  }[] = [
    { x: 0, lambda: 0.2, spike: false, strong: false, quiet: true, why: 'nothing' },
    {
      x: 1,
      lambda: 0.2,
      spike: false,
      strong: false,
      quiet: true,
      why: 'one report is unsurprising (p ≈ 0.18)',
    },
    { x: 4, lambda: 0.2, spike: false, strong: false, quiet: false, why: 'significant but below N_min' },
    { x: 5, lambda: 0.2, spike: true, strong: false, quiet: false, why: 'N_min reached' },
    { x: 15, lambda: 0.2, spike: true, strong: true, quiet: false, why: '3·N_min and far above λ' },
    { x: 8, lambda: 8, spike: false, strong: false, quiet: true, why: 'as expected' },
    { x: 16, lambda: 8, spike: false, strong: false, quiet: true, why: 'at most 2λ is quiet' },
    { x: 30, lambda: 8, spike: true, strong: false, quiet: false, why: 'significant and over 3λ' },
    { x: 120, lambda: 50, spike: false, strong: false, quiet: false, why: 'significant but under 3λ' },
  ];
  it.each(cases)('x = $x against λ = $lambda: $why', ({ x, lambda, spike, strong, quiet }) => {
    const test = testWindow(x, lambda);
    expect({ spike: test.spike, strong: test.strong, quiet: test.quiet }).toEqual({ spike, strong, quiet });
    expect(test.ratio).toBe(x / lambda);
  });
});

const T = Date.UTC(2021, 2, 19, 17, 0);
const MINUTE = 60_000;
const record = (minutesAfterT: number, spike = true): WindowRecord => ({
  windowStart: T + minutesAfterT * MINUTE,
  spike,
  quiet: !spike,
});

describe('selectChain', () => {
  it('picks non-overlapping windows when evaluated every minute', () => {
    const history = Array.from({ length: 15 }, (_, i) => record(i));
    const chain = selectChain(history, record(15));
    expect(chain.map((w) => (w.windowStart - T) / MINUTE)).toEqual([15, 10, 5]);
  });

  it('picks the previous windows when evaluated every five minutes', () => {
    const history = [record(0), record(5), record(10)];
    expect(selectChain(history, record(15)).map((w) => (w.windowStart - T) / MINUTE)).toEqual([15, 10, 5]);
  });

  it('stops at a gap longer than a window', () => {
    const history = [record(0), record(4)];
    expect(selectChain(history, record(15)).map((w) => (w.windowStart - T) / MINUTE)).toEqual([15]);
  });

  it('tolerates jitter of a few milliseconds', () => {
    const history = [record(0), { ...record(5), windowStart: T + 5 * MINUTE + 7 }];
    const chain = selectChain(history, { ...record(10), windowStart: T + 2 * WINDOW_MS + 3 });
    expect(chain).toHaveLength(3);
  });
});

describe('evaluateWindow', () => {
  it('raises possible on the second spike in a row and reports the statistics behind it', () => {
    const verdict = evaluateWindow(
      { level: 'none', recent: [record(5)] },
      { windowStart: T + 10 * MINUTE, observed: 6, expected: 0.3, distinctChats: 4 },
    );
    expect(verdict.level).toBe('possible');
    expect(verdict.spike).toBe(true);
    expect(verdict.observed).toBe(6);
    expect(verdict.expected).toBe(0.3);
    expect(verdict.ratio).toBeCloseTo(20, 10);
    expect(verdict.pValue).toBeLessThan(1e-4);
  });
});
