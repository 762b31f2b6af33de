import { describe, expect, it } from 'vitest';
import {
  MIN_UNITS_FOR_MASS_FAILURE,
  type RecentOutcome,
  type VantageInput,
  type VantageVerdict,
  assessVantage,
} from '../../../src/core/detection/vantage-guard.js';
import { readDocTable } from '../../helpers/doc-table.js';

const NOW = Date.UTC(2024, 0, 15, 10, 0, 0);
const ROUND_MS = 60_000;

const controls = (...failing: boolean[]): VantageInput['controls'] =>
  failing.map((f) => ({ failing: f, at: NOW - 1000 }));
/** `n` independent services, the first `failing` of them failing. */
const units = (n: number, failing: number): RecentOutcome[] =>
  Array.from({ length: n }, (_, i) => ({ unit: `svc-${i}`, failing: i < failing, at: NOW - 1000 }));
const assess = (input: Omit<VantageInput, 'at' | 'roundMs'>): VantageVerdict =>
  assessVantage({ ...input, at: NOW, roundMs: ROUND_MS });

type Cause = 'ok' | 'control-failing' | 'mass-failure';
const causeOf = (v: VantageVerdict): Cause => (v.ok ? 'ok' : v.cause);

/** Cases for each row of the doc-comment table, keyed by its first two cells. */
const ROW_CASES: Record<string, { name: string; input: Omit<VantageInput, 'at' | 'roundMs'> }[]> = {
  'majority failing | any': [
    { name: '1 of 1 controls, no services', input: { controls: controls(true), services: [] } },
    {
      name: '2 of 3 controls, services fine',
      input: { controls: controls(true, true, false), services: units(10, 0) },
    },
    {
      name: '2 of 2 controls, services all failing',
      input: { controls: controls(true, true), services: units(10, 10) },
    },
  ],
  'none / minority failing | ≥ 5 units seen and > 50% failing': [
    { name: 'no controls, 3 of 5 units', input: { controls: [], services: units(5, 3) } },
    {
      name: '1 of 3 controls, 8 of 10 units',
      input: { controls: controls(true, false, false), services: units(10, 8) },
    },
  ],
  'none / minority failing | otherwise': [
    { name: 'nothing seen', input: { controls: [], services: [] } },
    {
      name: '1 of 2 controls (half is not a majority)',
      input: { controls: controls(true, false), services: [] },
    },
    {
      name: 'every one of 4 units failing (too few to tell)',
      input: { controls: [], services: units(4, 4) },
    },
    {
      name: '3 of 6 units failing (half is not more than half)',
      input: { controls: controls(false), services: units(6, 3) },
    },
    { name: 'one unit of 20 failing', input: { controls: controls(false), services: units(20, 1) } },
  ],
};
const ROW_VERDICT: Record<string, Cause> = {
  'not ok: control': 'control-failing',
  'not ok: mass failure': 'mass-failure',
  ok: 'ok',
};

describe('assessVantage', () => {
  const table = readDocTable(
    new URL('../../../src/core/detection/vantage-guard.ts', import.meta.url),
    'assessVantage',
  ).map(([control = '', unitsFailing = '', verdict = '']) => ({
    row: `${control} | ${unitsFailing}`,
    verdict,
  }));

  it('has test cases for every row of its doc-comment table and no other', () => {
    expect(table.map((r) => r.row).sort()).toEqual(Object.keys(ROW_CASES).sort());
    expect(table.every((r) => r.verdict in ROW_VERDICT)).toBe(true);
  });

  it.each(table)('controls $row → $verdict', ({ row, verdict }) => {
    for (const { name, input } of ROW_CASES[row] ?? []) {
      expect(causeOf(assess(input)), name).toBe(ROW_VERDICT[verdict]);
    }
  });

  it('says how many controls fail', () => {
    expect(assess({ controls: controls(true, true, false), services: [] })).toEqual({
      ok: false,
      cause: 'control-failing',
      detail: '2/3 control targets failing',
    });
  });

  it('says how many independent services fail', () => {
    expect(assess({ controls: [], services: units(6, 4) })).toEqual({
      ok: false,
      cause: 'mass-failure',
      detail: '4/6 independent services failing at once',
    });
  });

  it(`needs at least ${MIN_UNITS_FOR_MASS_FAILURE} independent units`, () => {
    expect(causeOf(assess({ controls: [], services: units(MIN_UNITS_FOR_MASS_FAILURE - 1, 4) }))).toBe('ok');
    expect(causeOf(assess({ controls: [], services: units(MIN_UNITS_FOR_MASS_FAILURE, 5) }))).toBe(
      'mass-failure',
    );
  });
});

describe('assessVantage independent units', () => {
  const meta = (failing: boolean): RecentOutcome[] =>
    ['facebook', 'instagram', 'whatsapp', 'messenger', 'threads', 'oculus'].map(() => ({
      unit: 'meta',
      failing,
      at: NOW,
    }));

  it('counts services sharing infrastructure once', () => {
    // Six Meta services and one independent one failing is two units: too few to blame ourselves.
    const services = [...meta(true), { unit: 'github', failing: true, at: NOW }];
    expect(causeOf(assess({ controls: [], services }))).toBe('ok');
  });

  it('counts a group as failing when any of its monitors failed', () => {
    const group = [
      { unit: 'meta', failing: false, at: NOW },
      { unit: 'meta', failing: true, at: NOW },
      { unit: 'meta', failing: false, at: NOW },
    ];
    const verdict = assess({ controls: [], services: [...group, ...units(4, 2)] });
    expect(verdict).toEqual({
      ok: false,
      cause: 'mass-failure',
      detail: '3/5 independent services failing at once',
    });
  });

  it('counts a healthy group as one healthy unit', () => {
    const services = [...meta(false), ...units(4, 3)];
    expect(assess({ controls: [], services })).toEqual({
      ok: false,
      cause: 'mass-failure',
      detail: '3/5 independent services failing at once',
    });
  });
});

describe('assessVantage round', () => {
  it('ignores control outcomes older than the round', () => {
    const stale = [{ failing: true, at: NOW - ROUND_MS - 1 }];
    expect(causeOf(assess({ controls: stale, services: [] }))).toBe('ok');
  });

  it('counts an outcome exactly one round old', () => {
    const edge = [{ failing: true, at: NOW - ROUND_MS }];
    expect(causeOf(assess({ controls: edge, services: [] }))).toBe('control-failing');
  });

  it('judges controls only by those within the round', () => {
    const mixed = [
      { failing: true, at: NOW - 2 * ROUND_MS },
      { failing: true, at: NOW - 2 * ROUND_MS },
      { failing: false, at: NOW - 1000 },
    ];
    expect(causeOf(assess({ controls: mixed, services: [] }))).toBe('ok');
  });

  it('ignores service outcomes older than the round', () => {
    const old = units(10, 10).map((o) => ({ ...o, at: NOW - ROUND_MS - 1 }));
    expect(causeOf(assess({ controls: [], services: [...old, ...units(2, 0)] }))).toBe('ok');
    expect(causeOf(assess({ controls: [], services: old.map((o) => ({ ...o, at: NOW })) }))).toBe(
      'mass-failure',
    );
  });
});
