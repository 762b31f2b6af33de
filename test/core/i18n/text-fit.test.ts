import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fitLines,
  sliceCodePoints,
  toPlainLine,
  toPlainText,
  truncateText,
  type LineFormat,
} from '../../../src/core/i18n/text-fit.js';

const SEED = 20240601;
const plainFormat: LineFormat = {
  render: (plain, max) => truncateText(plain, max),
  measure: (rendered) => rendered.length,
  more: (count) => `… and ${count} more`,
  separatorCost: 1,
  maxLineCost: 100,
};
const total = (lines: readonly string[]): number => lines.join('\n').length;
const hasLoneSurrogate = (text: string): boolean =>
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

describe('plain text', () => {
  it('replaces control characters, bidi overrides and lone surrogates', () => {
    expect(toPlainLine('a\nb\tc\u0000d\u202eevil\u2066x\ud800y')).toBe('a b c devilx\ufffdy');
    expect(toPlainText('a\r\nb\rc\u0007')).toBe('a\nb\nc ');
  });

  it('cuts with an ellipsis and never splits a surrogate pair', () => {
    expect(truncateText('hello', 5)).toBe('hello');
    expect(truncateText('hello world', 6)).toBe('hello…');
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
    expect(sliceCodePoints('a😀', 2)).toBe('a');
    expect(truncateText('abc', 0)).toBe('');
  });

  it('keeps cut text well-formed for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.nat(70), (text, max) => {
        const plain = toPlainText(text);
        const cut = truncateText(plain, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(hasLoneSurrogate(cut)).toBe(false);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('fitLines', () => {
  it('keeps every line when they fit', () => {
    expect(fitLines(['one', 'two'], 100, plainFormat)).toEqual(['one', 'two']);
  });

  it('says how many lines were left out, within the budget', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `evidence line number ${i}`);
    const fitted = fitLines(lines, 200, plainFormat);
    expect(total(fitted)).toBeLessThanOrEqual(200);
    const more = fitted.at(-1);
    const kept = fitted.length - 1;
    expect(more).toBe(`… and ${100 - kept} more`);
    expect(fitted.slice(0, kept)).toEqual(lines.slice(0, kept));
  });

  it('cuts a line that only partly fits when enough of it is left', () => {
    const fitted = fitLines(['short', 'x'.repeat(500)], 60, plainFormat);
    expect(fitted).toEqual(['short', `${'x'.repeat(53)}…`]);
  });

  it('caps a single huge line at maxLineCost', () => {
    expect(fitLines(['y'.repeat(10_000)], 4000, plainFormat)).toEqual([`${'y'.repeat(99)}…`]);
  });

  it('never exceeds the budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 150 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 800 }),
        (lines, budget) => {
          expect(total(fitLines(lines, budget, plainFormat))).toBeLessThanOrEqual(budget);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
