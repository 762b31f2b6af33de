import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCrowdDetector,
  crowdDetectorStateSchema,
  stepCrowdDetector,
  storedCrowdDetector,
} from '../../../src/core/crowd/crowd-detector.js';
import { SEASONAL_WEEKS } from '../../../src/core/crowd/crowd-baseline.js';
import { SLOTS_PER_WEEK, WINDOW_MS } from '../../../src/core/crowd/crowd-window.js';
import {
  slotTableFromRuns,
  slotTableFromValues,
  slotTableRuns,
  slotTableValues,
  slotValue,
  uniformSlotTable,
  withSlotValue,
  type SlotTable,
} from '../../../src/core/crowd/slot-table.js';

const MONDAY = Date.UTC(2021, 2, 15);
const WEEK = 7 * 24 * 3_600_000;

const slotArb = fc.integer({ min: 0, max: SLOTS_PER_WEEK - 1 });
/** Mostly small whole numbers (the shared ones), sometimes means with decimals. */
const valueArb = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.double({ min: 0, max: 50, noNaN: true }));
const writesArb = fc.array(fc.tuple(slotArb, valueArb), { maxLength: 300 });

function apply(table: SlotTable, writes: readonly (readonly [number, number])[]): SlotTable {
  return writes.reduce((t, [slot, value]) => withSlotValue(t, slot, value), table);
}

describe('slot tables', () => {
  it('behave like a plain array of 2,016 values and never change a table they were given', () => {
    fc.assert(
      fc.property(valueArb, writesArb, writesArb, (fill, first, second) => {
        const before = apply(uniformSlotTable(fill), first);
        const snapshot = slotTableValues(before);
        const after = apply(before, second);
        const expected = [...snapshot];
        for (const [slot, value] of second) expected[slot] = value;
        expect(slotTableValues(after)).toEqual(expected);
        expect(slotTableValues(before)).toEqual(snapshot);
        for (const [slot] of second) expect(slotValue(after, slot)).toBe(expected[slot]);
      }),
      { numRuns: 200 },
    );
  });

  it('store as runs of equal values and read back the same table', () => {
    fc.assert(
      fc.property(valueArb, writesArb, (fill, writes) => {
        const table = apply(uniformSlotTable(fill), writes);
        const runs = slotTableRuns(table);
        expect(runs.reduce((sum, [, length]) => sum + length, 0)).toBe(SLOTS_PER_WEEK);
        expect(runs.length).toBeLessThanOrEqual(1 + 2 * writes.length);
        const restored = slotTableFromRuns(runs);
        expect(restored).toEqual(table);
        expect(restored === null ? [] : slotTableValues(restored)).toEqual(slotTableValues(table));
      }),
      { numRuns: 200 },
    );
  });

  it('refuse runs that do not cover exactly one week', () => {
    expect(slotTableFromRuns([[0, SLOTS_PER_WEEK - 1]])).toBeNull();
    expect(slotTableFromRuns([[0, SLOTS_PER_WEEK + 1]])).toBeNull();
    expect(
      slotTableFromRuns([
        [0, 0],
        [1, SLOTS_PER_WEEK],
      ]),
    ).toBeNull();
    expect(
      slotTableFromRuns([
        [0, 1.5],
        [1, SLOTS_PER_WEEK - 1.5],
      ]),
    ).toBeNull();
    expect(slotTableFromRuns([[0, SLOTS_PER_WEEK]])).toBe(uniformSlotTable(0));
  });

  it('share a table once every slot holds the same small whole number again', () => {
    let table = uniformSlotTable(0);
    for (let slot = 0; slot < SLOTS_PER_WEEK; slot++) {
      table = withSlotValue(table, slot, 1);
      if (slot < SLOTS_PER_WEEK - 1) expect(table).not.toBe(uniformSlotTable(1));
    }
    expect(table).toBe(uniformSlotTable(1));
    expect(slotTableFromValues(new Array<number>(SLOTS_PER_WEEK).fill(3))).toBe(uniformSlotTable(3));
    expect(withSlotValue(table, 7, 1)).toBe(table);
  });

  it('cost a service nobody reports on no table of its own once its baseline has seen the weeks', () => {
    let state = createCrowdDetector();
    const quiet = { effectiveCount: 0, distinctChats: 0 };
    for (let at = MONDAY; at < MONDAY + (SEASONAL_WEEKS + 1) * WEEK; at += WINDOW_MS) {
      state = stepCrowdDetector(state, quiet, at).state;
      // The mean table never leaves the shared week of zeros.
      expect(state.baseline.slotMean).toBe(uniformSlotTable(0));
    }
    expect(state.baseline.slotWeeks).toBe(uniformSlotTable(SEASONAL_WEEKS));
    expect(JSON.stringify(storedCrowdDetector(state)).length).toBeLessThan(1_000);
  });

  it('gives services in the same state the same next state, and computes anew for other inputs', () => {
    const quiet = { effectiveCount: 0, distinctChats: 0 };
    let a = createCrowdDetector();
    let b = createCrowdDetector();
    for (let at = MONDAY; at < MONDAY + 12 * WINDOW_MS; at += WINDOW_MS) {
      a = stepCrowdDetector(a, quiet, at).state;
      b = stepCrowdDetector(b, quiet, at).state;
      expect(b).toBe(a);
    }
    const at = MONDAY + 12 * WINDOW_MS;
    const busy = stepCrowdDetector(a, { effectiveCount: 30, distinctChats: 8 }, at);
    const calm = stepCrowdDetector(a, quiet, at);
    const inIncident = stepCrowdDetector(a, quiet, at, { inIncident: true });
    // A service reported on in between does not stop the quiet ones from sharing.
    expect(stepCrowdDetector(b, quiet, at)).toBe(calm);
    expect(busy.verdict.level).not.toBe('none');
    expect(calm.verdict.level).toBe('none');
    expect(stepCrowdDetector(a, { effectiveCount: 30, distinctChats: 8 }, at)).toBe(busy);
    // The same inputs again give the same objects; other inputs a state of their own.
    expect(stepCrowdDetector(a, quiet, at, { inIncident: true })).toBe(inIncident);
    expect(inIncident.state).not.toBe(calm.state);
    // Only the window outside an incident is queued for learning.
    expect(calm.state.pending).toEqual([...inIncident.state.pending, { windowStart: at, count: 0 }]);
  });

  it('still read a detector stored in version 1, with every slot written out', () => {
    const slotMean = new Array<number>(SLOTS_PER_WEEK).fill(0.25);
    slotMean[100] = 8;
    const stored = {
      version: 1,
      level: 'none',
      episodeStart: null,
      recent: [],
      pending: [],
      baseline: {
        slotMean,
        slotWeeks: new Array<number>(SLOTS_PER_WEEK).fill(2),
        level: 0.3,
        variance: 0.1,
        learnedWindows: 4032,
        lastLearnedWindowStart: MONDAY,
      },
    };
    const state = crowdDetectorStateSchema.parse(JSON.parse(JSON.stringify(stored)));
    expect(state.version).toBe(2);
    expect(slotTableValues(state.baseline.slotMean)).toEqual(slotMean);
    expect(state.baseline.slotWeeks).toBe(uniformSlotTable(2));
    expect(crowdDetectorStateSchema.parse(JSON.parse(JSON.stringify(storedCrowdDetector(state))))).toEqual(
      state,
    );
  });

  it('refuse a stored version 2 table whose runs do not add up to a week', () => {
    const stored = storedCrowdDetector(createCrowdDetector());
    const broken = { ...stored, baseline: { ...stored.baseline, slotWeeks: [[0, 2015]] } };
    expect(crowdDetectorStateSchema.safeParse(broken).success).toBe(false);
  });
});
