import { decodeEntities } from './plain-text.js';

/**
 * A small, forgiving reader for RSS 2.0 and Atom incident feeds. It is not an XML parser: it
 * finds `<item>`/`<entry>` blocks and a few child elements, unwraps CDATA and decodes entities.
 * That is all status feeds need, and it never throws. Truncated trailing items are dropped; a
 * missing child is `undefined`.
 *
 * Linear time on any input (see docs/parsing.md): every search moves forward only, and every
 * "where is the next `>` / `]]>` / end tag" answer is remembered, so an unclosed `<item>`, `<a`
 * or `<![CDATA[` repeated a million times is read once, not once per repetition.
 */

/** One feed item with its text fields XML-decoded (they may still hold HTML). */
export interface FeedItem {
  readonly title?: string;
  readonly link?: string;
  /** RSS `guid` or Atom `id`. */
  readonly id?: string;
  /** RSS `pubDate`, Atom `published`, or Dublin Core `dc:date`. */
  readonly published?: string;
  /** Atom `updated`. */
  readonly updated?: string;
  /** RSS `description` or Atom `summary`. */
  readonly description?: string;
  /** Atom `content` or RSS `content:encoded`. */
  readonly content?: string;
}

export type FeedFormat = 'rss' | 'atom';

export interface ParsedFeed {
  readonly format: FeedFormat;
  readonly items: readonly FeedItem[];
}

/** Status histories hold a few dozen items; AWS `all.rss` a few hundred. Beyond this we stop. */
export const MAX_FEED_ITEMS = 1000;

const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';

/**
 * `indexOf` with memory, for searches whose start only moves forward: when the last answer is
 * still ahead of the new start it is the answer again, so the text is scanned once in total.
 */
class ForwardFinder {
  private from = -1;
  private found = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  /** Index of the first `needle` at or after `from`, or -1. */
  next(from: number): number {
    if (from >= this.from && (this.found === -1 || this.found >= from) && this.from !== -1) {
      return this.found;
    }
    this.from = from;
    this.found = this.text.indexOf(this.needle, from);
    return this.found;
  }
}

/** Element text → plain string: CDATA kept verbatim, everything else entity-decoded. */
function decodeElementText(raw: string): string {
  let out = '';
  let at = 0;
  for (let open = raw.indexOf(CDATA_OPEN); open !== -1; open = raw.indexOf(CDATA_OPEN, at)) {
    out += decodeEntities(raw.slice(at, open));
    const close = raw.indexOf(CDATA_CLOSE, open + CDATA_OPEN.length);
    // An unclosed CDATA section runs to the end of the element.
    const end = close === -1 ? raw.length : close;
    out += raw.slice(open + CDATA_OPEN.length, end);
    at = close === -1 ? raw.length : close + CDATA_CLOSE.length;
  }
  return (out + decodeEntities(raw.slice(at))).trim();
}

function isNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x2d // -
  );
}

const WHITESPACE = /\s/;

function isSpace(char: string | undefined): boolean {
  return char !== undefined && WHITESPACE.test(char);
}

/** The child elements an item is read from: local names (any prefix) and prefixed names. */
const LOCAL_NAMES = [
  'title',
  'link',
  'guid',
  'id',
  'pubdate',
  'published',
  'updated',
  'description',
  'summary',
  'content',
] as const;
const QUALIFIED_NAMES = ['dc:date', 'content:encoded'] as const;
type ChildName = (typeof LOCAL_NAMES)[number] | (typeof QUALIFIED_NAMES)[number];
const LOCAL_SET: ReadonlySet<string> = new Set(LOCAL_NAMES);
const QUALIFIED_SET: ReadonlySet<string> = new Set(QUALIFIED_NAMES);
const LOCAL_LENGTHS: ReadonlySet<number> = new Set(LOCAL_NAMES.map((name) => name.length));
const QUALIFIED_LENGTHS: ReadonlySet<number> = new Set(QUALIFIED_NAMES.map((name) => name.length));

/** Where a child's text starts (after its open tag) and ends (at its end tag); '' when self-closing. */
interface ChildSpan {
  start: number;
  end: number;
}

/**
 * One pass over an item block: the first open tag of each wanted child, then the first matching
 * end tag after it. Complete CDATA sections are opaque (a `</title>` or `<title>` inside one is
 * text). An open tag ends at the first `>`; a name matches case-insensitively, and an unprefixed
 * name matches with any namespace prefix (`<atom:title>`).
 */
function scanChildren(block: string): Map<ChildName, ChildSpan> {
  const spans = new Map<ChildName, ChildSpan>();
  const nextGt = new ForwardFinder(block, '>');
  const nextCdataEnd = new ForwardFinder(block, CDATA_CLOSE);
  let at = block.indexOf('<');
  while (at !== -1) {
    let next = at + 1;
    if (block.startsWith(CDATA_OPEN, at)) {
      const close = nextCdataEnd.next(at + CDATA_OPEN.length);
      if (close !== -1) next = close + CDATA_CLOSE.length;
    } else {
      const closing = block.charCodeAt(at + 1) === 0x2f; // '/'
      let cursor = closing ? at + 2 : at + 1;
      const nameStart = cursor;
      while (isNameChar(block.charCodeAt(cursor))) cursor += 1;
      let localStart = nameStart;
      if (block.charCodeAt(cursor) === 0x3a && cursor > nameStart) {
        // prefix:local
        localStart = cursor + 1;
        cursor += 1;
        while (isNameChar(block.charCodeAt(cursor))) cursor += 1;
      }
      const nameEnd = cursor;
      // Names of other lengths cannot be wanted: skip them without making a string.
      const wantedLocal = LOCAL_LENGTHS.has(nameEnd - localStart);
      const wantedQualified = localStart !== nameStart && QUALIFIED_LENGTHS.has(nameEnd - nameStart);
      if (nameEnd > localStart && (wantedLocal || wantedQualified)) {
        const names: ChildName[] = [];
        const local = block.slice(localStart, nameEnd).toLowerCase();
        if (wantedLocal && LOCAL_SET.has(local)) names.push(local as ChildName);
        const qualified = wantedQualified ? block.slice(nameStart, nameEnd).toLowerCase() : '';
        if (wantedQualified && QUALIFIED_SET.has(qualified)) names.push(qualified as ChildName);
        if (names.length > 0) {
          const tagEnd = closing ? closeTagEnd(block, nameEnd) : openTagEnd(block, nameEnd, nextGt);
          if (tagEnd !== undefined) {
            for (const name of names) {
              const span = spans.get(name);
              if (closing) {
                if (span !== undefined && span.end === -1 && at >= span.start) span.end = at;
              } else if (span === undefined) {
                // A self-closing element is complete and empty.
                spans.set(name, { start: tagEnd.after, end: tagEnd.selfClosing ? tagEnd.after : -1 });
              }
            }
          }
        }
        next = nameEnd;
      } else {
        next = Math.max(nameEnd, at + 1);
      }
    }
    at = block.indexOf('<', next);
  }
  return spans;
}

interface TagEnd {
  readonly after: number;
  readonly selfClosing: boolean;
}

/** `<name>`, `<name/>` or `<name attributes…>` (ending at the first `>`), from just after the name. */
function openTagEnd(block: string, at: number, nextGt: ForwardFinder): TagEnd | undefined {
  const char = block[at];
  if (char === '>') return { after: at + 1, selfClosing: false };
  if (char === '/') return block[at + 1] === '>' ? { after: at + 2, selfClosing: true } : undefined;
  if (!isSpace(char)) return undefined;
  const gt = nextGt.next(at + 1);
  if (gt === -1) return undefined;
  return { after: gt + 1, selfClosing: gt - 1 > at && block[gt - 1] === '/' };
}

/** `</name>` or `</name   >`, from just after the name. */
function closeTagEnd(block: string, at: number): TagEnd | undefined {
  let cursor = at;
  while (isSpace(block[cursor])) cursor += 1;
  return block[cursor] === '>' ? { after: cursor + 1, selfClosing: false } : undefined;
}

/** The text of a child found by `scanChildren`; undefined when absent or never closed. */
function childText(
  block: string,
  spans: ReadonlyMap<ChildName, ChildSpan>,
  name: ChildName,
): string | undefined {
  const span = spans.get(name);
  if (span === undefined || span.end === -1) return undefined;
  return decodeElementText(block.slice(span.start, span.end));
}

const ATTRIBUTE_PATTERNS = {
  href: /\bhref\s*=\s*(["'])/gi,
  rel: /\brel\s*=\s*(["'])/gi,
} as const;

/** The value of attribute `name` in an attribute list (`name="…"` or `name='…'`), or undefined. */
function attributeValue(attributes: string, name: keyof typeof ATTRIBUTE_PATTERNS): string | undefined {
  const pattern = ATTRIBUTE_PATTERNS[name];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(attributes); match; match = pattern.exec(attributes)) {
    const start = match.index + match[0].length;
    const close = attributes.indexOf(match[1] ?? '"', start);
    // An unclosed value: a later attribute of the same name may still be whole.
    if (close !== -1) return attributes.slice(start, close);
  }
  return undefined;
}

/** Atom `<link rel="alternate" href="…"/>` (or the first link without `rel`); RSS `<link>text</link>`. */
function linkOf(block: string, spans: ReadonlyMap<ChildName, ChildSpan>): string | undefined {
  const links = /<link\b/gi;
  const nextGt = new ForwardFinder(block, '>');
  for (let match = links.exec(block); match; match = links.exec(block)) {
    const after = match.index + match[0].length;
    const gt = nextGt.next(after);
    if (gt === -1) break;
    const attributes = block.slice(after, gt);
    const href = attributeValue(attributes, 'href');
    const rel = attributeValue(attributes, 'rel') ?? 'alternate';
    if (href !== undefined && rel === 'alternate') return decodeEntities(href).trim();
    links.lastIndex = gt + 1;
  }
  const text = childText(block, spans, 'link');
  return text === '' ? undefined : text;
}

function defined(fields: Record<string, string | undefined>): FeedItem {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''),
  );
}

function toItem(block: string): FeedItem {
  const spans = scanChildren(block);
  const text = (name: ChildName): string | undefined => childText(block, spans, name);
  return defined({
    title: text('title'),
    link: linkOf(block, spans),
    id: text('guid') ?? text('id'),
    published: text('pubdate') ?? text('published') ?? text('dc:date'),
    updated: text('updated'),
    description: text('description') ?? text('summary'),
    content: text('content:encoded') ?? text('content'),
  });
}

/** Which feed format the document is, or undefined when it is neither (e.g. an HTML page). */
export function detectFeedFormat(document: string): FeedFormat | undefined {
  const head = document.slice(0, 4096);
  if (/<rss\b|<rdf:RDF\b/i.test(head)) return 'rss';
  if (/<feed\b/i.test(head)) return 'atom';
  return undefined;
}

const CLOSING_ROOT: Readonly<Record<FeedFormat, RegExp>> = {
  rss: /<\/(?:rss|rdf:RDF)\s*>\s*$/i,
  atom: /<\/(?:[\w.-]+:)?feed\s*>\s*$/i,
};

/**
 * Whether the document ends with its root element's closing tag. A feed cut off in transit
 * still yields its first items (`readFeed` is forgiving), but its payload is not to be trusted.
 */
export function isCompleteFeed(document: string, format: FeedFormat): boolean {
  return CLOSING_ROOT[format].test(document.slice(-256));
}

/**
 * The item blocks: from each `<item …>` (up to its first `>`) to the first `</item>` after it
 * (CDATA is not looked into here). Once an open tag has no `>` or no end tag after it, no later
 * one has either, so the search stops: one forward pass.
 */
function* itemBlocks(document: string, element: 'item' | 'entry'): Generator<string> {
  const open = new RegExp(`<${element}\\b`, 'gi');
  const close = new RegExp(`</${element}\\s*>`, 'gi');
  const nextGt = new ForwardFinder(document, '>');
  for (let match = open.exec(document); match; match = open.exec(document)) {
    const gt = nextGt.next(match.index + match[0].length);
    if (gt === -1) return;
    close.lastIndex = gt + 1;
    const end = close.exec(document);
    if (end === null) return;
    yield document.slice(gt + 1, end.index);
    open.lastIndex = end.index + end[0].length;
  }
}

/** Reads the items of an RSS or Atom document; undefined when it is not a feed. */
export function readFeed(document: string): ParsedFeed | undefined {
  const format = detectFeedFormat(document);
  if (format === undefined) return undefined;
  const items: FeedItem[] = [];
  for (const block of itemBlocks(document, format === 'rss' ? 'item' : 'entry')) {
    items.push(toItem(block));
    if (items.length >= MAX_FEED_ITEMS) break;
  }
  return { format, items };
}
