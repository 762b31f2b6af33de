/**
 * Turns upstream text (HTML fragments, entity-encoded XML, Markdown-ish bodies) into short plain
 * text that is safe to show anywhere. Renderers escape it again for their platform.
 */

/** Incident titles and update bodies are cut to this many characters (a status line, not a log). */
export const MAX_OFFICIAL_TEXT_CHARS = 500;

const ELLIPSIS = '…';

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
  ['ndash', '–'],
  ['mdash', '—'],
  ['hellip', '…'],
  ['lsquo', '‘'],
  ['rsquo', '’'],
  ['ldquo', '“'],
  ['rdquo', '”'],
  ['bull', '•'],
  ['middot', '·'],
  ['copy', '©'],
  ['reg', '®'],
  ['trade', '™'],
  ['cross', '✗'],
]);

const REPLACEMENT_CHAR = '\uFFFD';
const MAX_CODE_POINT = 0x10ffff;

function decodeCodePoint(code: number): string {
  const isSurrogate = code >= 0xd800 && code <= 0xdfff;
  if (!Number.isFinite(code) || code <= 0 || code > MAX_CODE_POINT || isSurrogate) return REPLACEMENT_CHAR;
  return String.fromCodePoint(code);
}

/** Decodes XML/HTML character references; unknown named entities are left as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,8}|#[0-9]{1,9}|[a-z][a-z0-9]{1,31});/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X'))
      return decodeCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return decodeCodePoint(Number.parseInt(ref.slice(1), 10));
    return NAMED_ENTITIES.get(ref.toLowerCase()) ?? whole;
  });
}

/** Collapses runs of whitespace to one space and trims. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts to `maxChars` code units at most, ending with an ellipsis when cut. */
export function truncateText(text: string, maxChars: number = MAX_OFFICIAL_TEXT_CHARS): string {
  if (text.length <= maxChars) return text;
  let cut = text.slice(0, maxChars - ELLIPSIS.length);
  // Never leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trimEnd() + ELLIPSIS;
}

/**
 * HTML fragment → plain text: drops scripts, styles and comments, turns tags into spaces,
 * decodes entities, collapses whitespace, truncates. Plain input passes through unchanged
 * except for whitespace and entities.
 */
export function htmlToPlainText(html: string, maxChars: number = MAX_OFFICIAL_TEXT_CHARS): string {
  const withoutTags = html
    .replace(/<!--[\s\S]*?(?:-->|$)/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ')
    // Block-level tags separate words; inline ones (`<var>`, `<strong>`, `<a>`) must not add spaces.
    .replace(/<\/?(?:p|br|div|li|ul|ol|tr|td|th|h[1-6]|blockquote|pre|hr|table)\b[^>]*>/gi, ' ')
    .replace(/<\/?[a-z][^>]*>/gi, '');
  return truncateText(collapseWhitespace(decodeEntities(withoutTags)), maxChars);
}
