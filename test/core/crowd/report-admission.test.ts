import { describe, expect, it } from 'vitest';
import { admitReport, REPORT_DEDUP_MS } from '../../../src/core/crowd/report-admission.js';

const T = Date.UTC(2021, 2, 19, 17, 15);
const MINUTE = 60_000;

describe('admitReport', () => {
  const cases: readonly { name: string; previous: number[]; at: number; admitted: boolean }[] = [
    { name: 'a first report counts', previous: [], at: T, admitted: true },
    {
      name: 'a second report 10 minutes later does not',
      previous: [T],
      at: T + 10 * MINUTE,
      admitted: false,
    },
    {
      name: 'one just under 30 minutes later does not',
      previous: [T],
      at: T + REPORT_DEDUP_MS - 1,
      admitted: false,
    },
    { name: 'one 30 minutes later counts again', previous: [T], at: T + REPORT_DEDUP_MS, admitted: true },
    {
      name: 'only the nearest previous report matters',
      previous: [T - 2 * REPORT_DEDUP_MS, T - 5 * MINUTE],
      at: T,
      admitted: false,
    },
    {
      name: 'a report stamped just before an admitted one does not count',
      previous: [T],
      at: T - MINUTE,
      admitted: false,
    },
  ];
  it.each(cases)('$name', ({ previous, at, admitted }) => {
    expect(
      admitReport(
        previous.map((p) => ({ at: p })),
        at,
      ),
    ).toBe(admitted);
  });
});
