/**
 * Plain text made safe to render and cut to fit platform limits. Lengths are UTF-16 code units
 * (`string.length`): what Telegram counts, and never fewer than the code points Discord counts.
 * Cuts fall between code points, never inside a surrogate pair.
 */

/** Appended to text that was cut. */
export const ELLIPSIS = '…';

/* eslint-disable no-control-regex -- these patterns exist to find control characters */
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/* eslint-enable no-control-regex */
/** Bidi embeddings, overrides and isolates: they can make a name display as something else. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Untrusted multi-line text made printable: control characters become spaces (line breaks stay),
 * bidi overrides go, lone surrogates (not encodable as UTF-8) become U+FFFD.
 */
export function toPlainText(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(BIDI_CONTROLS, '')
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_EXCEPT_NEWLINE, ' ');
}

/** Like `toPlainText`, on one line: line breaks become spaces too. */
export function toPlainLine(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(BIDI_CONTROLS, '').replace(CONTROL, ' ');
}

/** Cuts `text` to at most `max` UTF-16 units, ending in `…` when cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  return `${sliceCodePoints(text, max - ELLIPSIS.length)}${ELLIPSIS}`;
}

/** The longest prefix of `text` within `max` UTF-16 units that does not split a surrogate pair. */
export function sliceCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** How a renderer draws lines: each platform measures and escapes differently. */
export interface LineFormat {
  /** The rendered line, cut so its `measure` is at most `max` (empty when nothing fits). */
  render(plain: string, max: number): string;
  measure(rendered: string): number;
  /** The rendered last line standing for `omitted` lines that did not fit. */
  more(omitted: number): string;
  /** The cost of the separator between two lines (a line break). */
  readonly separatorCost: number;
  /** No single line is longer than this, so one huge line cannot crowd out the rest. */
  readonly maxLineCost: number;
}

/** A cut line shorter than this is noise: the line is left out and counted in `more` instead. */
const MIN_USEFUL_LINE = 24;

/**
 * Renders as many lines as fit in `budget` (separators included), in order. When some do not fit,
 * the last kept line is followed by `more(n)`; a line that fits only partly is cut when enough of
 * it is left to be useful. The result never exceeds `budget`.
 */
export function fitLines(lines: readonly string[], budget: number, format: LineFormat): string[] {
  const out: string[] = [];
  let used = 0;
  const cost = (rendered: string): number =>
    (out.length === 0 ? 0 : format.separatorCost) + format.measure(rendered);
  for (const [i, line] of lines.entries()) {
    const after = lines.length - i - 1;
    // Room for the `more` line that follows if this line is cut (`after`) or left out (`after + 1`).
    const reserve = after === 0 ? 0 : format.separatorCost + format.measure(format.more(after + 1));
    const whole = format.render(line, format.maxLineCost);
    if (used + cost(whole) + reserve <= budget) {
      used += cost(whole);
      out.push(whole);
      continue;
    }
    const separator = out.length === 0 ? 0 : format.separatorCost;
    const room = budget - used - separator - reserve;
    if (room >= MIN_USEFUL_LINE) {
      const cut = format.render(line, Math.min(room, format.maxLineCost));
      if (cut !== '') {
        used += cost(cut);
        out.push(cut);
        if (after === 0) return out;
        return appendMore(out, after, used, budget, format);
      }
    }
    return appendMore(out, lines.length - i, used, budget, format);
  }
  return out;
}

function appendMore(
  out: string[],
  omitted: number,
  used: number,
  budget: number,
  format: LineFormat,
): string[] {
  const more = format.more(omitted);
  const cost = (out.length === 0 ? 0 : format.separatorCost) + format.measure(more);
  if (used + cost <= budget) out.push(more);
  return out;
}
