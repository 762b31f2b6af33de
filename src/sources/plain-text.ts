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

const COMMENT_PATTERN = /<!--[\s\S]*?(?:-->|$)/g;
/** An unclosed script or style runs to the end: one match, so this stays linear. */
const SCRIPT_PATTERN = /<(script|style)\b[\s\S]*?(?:<\/\1\s*>|$)/gi;

/** Block-level tags separate words; inline ones (`<var>`, `<strong>`, `<a>`) must not add spaces. */
const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'p',
  'br',
  'div',
  'li',
  'ul',
  'ol',
  'tr',
  'td',
  'th',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'hr',
  'table',
]);

function isWordChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f
  );
}

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

/**
 * Replaces the tags `which` accepts (by tag name, lower case) with `replacement`, in one forward
 * pass; a tag is `</?letter…` up to the first `>`. Any other `<` stays, and once no `>` is left
 * nothing after it can be a tag, so the rest is copied as it is.
 */
function replaceTags(html: string, which: (name: string) => boolean, replacement: string): string {
  let out = '';
  let copied = 0;
  for (let at = html.indexOf('<'); at !== -1; at = html.indexOf('<', at + 1)) {
    const nameStart = html.charCodeAt(at + 1) === 0x2f ? at + 2 : at + 1;
    if (!isLetter(html.charCodeAt(nameStart))) continue;
    let nameEnd = nameStart + 1;
    while (isWordChar(html.charCodeAt(nameEnd))) nameEnd += 1;
    if (!which(html.slice(nameStart, nameEnd).toLowerCase())) {
      at = nameEnd - 1;
      continue;
    }
    const gt = html.indexOf('>', nameEnd);
    if (gt === -1) break;
    out += html.slice(copied, at) + replacement;
    copied = gt + 1;
    at = gt;
  }
  return out + html.slice(copied);
}

const isBlockTag = (name: string): boolean => BLOCK_TAGS.has(name);
const anyTag = (): boolean => true;

/**
 * HTML fragment → plain text: drops scripts, styles and comments, turns tags into spaces,
 * decodes entities, collapses whitespace, truncates. Plain input passes through unchanged
 * except for whitespace and entities. Linear in the input: each step is one forward pass.
 */
export function htmlToPlainText(html: string, maxChars: number = MAX_OFFICIAL_TEXT_CHARS): string {
  const withoutScripts = html.replace(COMMENT_PATTERN, ' ').replace(SCRIPT_PATTERN, ' ');
  // Block tags first (a space), then every other tag (nothing), as two passes.
  const withoutTags = replaceTags(replaceTags(withoutScripts, isBlockTag, ' '), anyTag, '');
  return truncateText(collapseWhitespace(decodeEntities(withoutTags)), maxChars);
}
