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

const ENTITY_PATTERN = /&(#x[0-9a-f]{1,8}|#[0-9]{1,9}|[a-z][a-z0-9]{1,31});/gi;

function decodeReference(whole: string, ref: string): string {
  if (ref.startsWith('#x') || ref.startsWith('#X')) return decodeCodePoint(Number.parseInt(ref.slice(2), 16));
  if (ref.startsWith('#')) return decodeCodePoint(Number.parseInt(ref.slice(1), 10));
  return NAMED_ENTITIES.get(ref.toLowerCase()) ?? whole;
}

/**
 * One `replace` over megabytes with a million matches slows down faster than linearly in V8
 * (its match bookkeeping); pieces of this size keep it linear and about three times faster.
 */
const DECODE_PIECE_CHARS = 16 * 1024;
/** The longest character reference `ENTITY_PATTERN` reads (`&` + 32 letters + `;`). */
const MAX_ENTITY_CHARS = 40;

/** Decodes XML/HTML character references; unknown named entities are left as written. */
export function decodeEntities(text: string): string {
  if (text.length <= DECODE_PIECE_CHARS) return text.replace(ENTITY_PATTERN, decodeReference);
  const pieces: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + DECODE_PIECE_CHARS);
    if (end < text.length) {
      // Never cut a reference in two: end the piece before a '&' with no ';' after it yet.
      // (Searched in the last few characters only: lastIndexOf would run back to the start.)
      const tail = text.slice(end - MAX_ENTITY_CHARS, end);
      const amp = tail.lastIndexOf('&');
      if (amp !== -1 && !tail.includes(';', amp)) end = Math.max(at + 1, end - MAX_ENTITY_CHARS + amp);
    }
    pieces.push(text.slice(at, end).replace(ENTITY_PATTERN, decodeReference));
    at = end;
  }
  return pieces.join('');
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

/** Text is decoded and collapsed this many characters at a time, so a huge input stops early. */
const CHUNK_CHARS = 4096;

/**
 * Collects the text between tags: decodes entities, collapses whitespace, and says when it has
 * enough (`full`) so the scan can stop: only the first `limit` characters are ever shown.
 */
class PlainTextBuilder {
  private out = '';
  private pending = '';

  constructor(private readonly limit: number) {}

  /** More than the limit is known: the result is cut whatever follows. */
  get full(): boolean {
    return this.out.length > this.limit + 1;
  }

  add(text: string): void {
    for (let at = 0; at < text.length && !this.full; at += CHUNK_CHARS) {
      this.pending += text.slice(at, at + CHUNK_CHARS);
      if (this.pending.length >= CHUNK_CHARS) this.flush(false);
    }
  }

  result(): string {
    this.flush(true);
    return truncateText(this.out.trim(), this.limit);
  }

  private flush(final: boolean): void {
    let cut = this.pending.length;
    if (!final) {
      // Keep back a character reference that may end in the next piece.
      const amp = this.pending.lastIndexOf('&');
      if (amp !== -1 && amp >= cut - MAX_ENTITY_CHARS && !this.pending.includes(';', amp)) cut = amp;
    }
    let piece = decodeEntities(this.pending.slice(0, cut)).replace(/\s+/g, ' ');
    this.pending = this.pending.slice(cut);
    if (this.out === '' || this.out.endsWith(' ')) piece = piece.trimStart();
    this.out += piece;
  }
}

const SCRIPT_OPEN = /<(script|style)\b/iy;
const SCRIPT_CLOSE: Readonly<Record<string, RegExp>> = {
  script: /<\/script\s*>/gi,
  style: /<\/style\s*>/gi,
};

/**
 * HTML fragment → plain text: drops scripts, styles and comments, turns block tags into spaces
 * and other tags into nothing, decodes entities, collapses whitespace, truncates. Plain input
 * passes through unchanged except for whitespace and entities.
 *
 * One forward scan: a comment ends at the first `-->`, a script or style at its end tag (either
 * unclosed runs to the end), a tag (`</?letter…`) at the first `>`; any other `<` is text. Once
 * no `>` is left no later tag can close, and once the text is past `maxChars` the rest is not
 * read, so the time is linear in the input and usually far less.
 */
export function htmlToPlainText(html: string, maxChars: number = MAX_OFFICIAL_TEXT_CHARS): string {
  const text = new PlainTextBuilder(maxChars);
  let noGreaterThanFrom = Infinity; // no '>' at or after this index
  let at = 0;
  while (at < html.length && !text.full) {
    const lt = html.indexOf('<', at);
    text.add(html.slice(at, lt === -1 ? html.length : lt));
    if (lt === -1) break;
    at = lt + 1;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      text.add(' ');
      if (end === -1) break;
      at = end + 3;
      continue;
    }
    SCRIPT_OPEN.lastIndex = lt;
    const script = SCRIPT_OPEN.exec(html);
    if (script) {
      const close = SCRIPT_CLOSE[(script[1] ?? '').toLowerCase()] ?? SCRIPT_CLOSE['script']!;
      close.lastIndex = lt + script[0].length;
      const end = close.exec(html);
      text.add(' ');
      if (end === null) break;
      at = end.index + end[0].length;
      continue;
    }
    const nameStart = html.charCodeAt(lt + 1) === 0x2f ? lt + 2 : lt + 1;
    if (!isLetter(html.charCodeAt(nameStart)) || nameStart >= noGreaterThanFrom) {
      text.add('<');
      continue;
    }
    let nameEnd = nameStart + 1;
    while (isWordChar(html.charCodeAt(nameEnd))) nameEnd += 1;
    const gt = html.indexOf('>', nameEnd);
    if (gt === -1) {
      noGreaterThanFrom = nameEnd;
      text.add('<');
      continue;
    }
    if (BLOCK_TAGS.has(html.slice(nameStart, nameEnd).toLowerCase())) text.add(' ');
    at = gt + 1;
  }
  return text.result();
}
