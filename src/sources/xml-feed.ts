import { decodeEntities } from './plain-text.js';

/**
 * A small, forgiving reader for RSS 2.0 and Atom incident feeds. It is not an XML parser: it
 * finds `<item>`/`<entry>` blocks and a few child elements, unwraps CDATA and decodes entities.
 * That is all status feeds need, it never throws, and it stays linear on hostile input.
 * Truncated trailing items are dropped; a missing child is `undefined`.
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

const CDATA_PATTERN = /<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)/g;

/** Element text → plain string: CDATA kept verbatim, everything else entity-decoded. */
function decodeElementText(raw: string): string {
  let out = '';
  let last = 0;
  for (const match of raw.matchAll(CDATA_PATTERN)) {
    out += decodeEntities(raw.slice(last, match.index));
    out += match[1] ?? '';
    last = match.index + match[0].length;
  }
  return (out + decodeEntities(raw.slice(last))).trim();
}

function escapeForPattern(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The text of the first child element named `name` (any namespace prefix unless `name` has one).
 * CDATA may hide `</name>`, so CDATA sections are skipped as a whole while looking for the end tag.
 */
function childText(block: string, name: string): string | undefined {
  const tag = name.includes(':') ? escapeForPattern(name) : `(?:[\\w.-]+:)?${escapeForPattern(name)}`;
  const open = new RegExp(`<${tag}(?:\\s[^>]*?)?(/?)>`, 'i').exec(block);
  if (!open) return undefined;
  if (open[1] === '/') return '';
  const start = open.index + open[0].length;
  const close = new RegExp(`<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|</${tag}\\s*>`, 'gi');
  close.lastIndex = start;
  for (let match = close.exec(block); match; match = close.exec(block)) {
    if (!match[0].startsWith('<![')) return decodeElementText(block.slice(start, match.index));
  }
  return undefined;
}

/** Atom `<link rel="alternate" href="…"/>` (or the first link without `rel`); RSS `<link>text</link>`. */
function linkOf(block: string): string | undefined {
  for (const match of block.matchAll(/<link\b([^>]*)>/gi)) {
    const attributes = match[1] ?? '';
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attributes);
    const rel = /\brel\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attributes);
    const relValue = rel?.[1] ?? rel?.[2] ?? 'alternate';
    if (href && relValue === 'alternate') return decodeEntities(href[1] ?? href[2] ?? '').trim();
  }
  const text = childText(block, 'link');
  return text === '' ? undefined : text;
}

function defined(fields: Record<string, string | undefined>): FeedItem {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''),
  );
}

function toItem(block: string): FeedItem {
  return defined({
    title: childText(block, 'title'),
    link: linkOf(block),
    id: childText(block, 'guid') ?? childText(block, 'id'),
    published: childText(block, 'pubDate') ?? childText(block, 'published') ?? childText(block, 'dc:date'),
    updated: childText(block, 'updated'),
    description: childText(block, 'description') ?? childText(block, 'summary'),
    content: childText(block, 'content:encoded') ?? childText(block, 'content'),
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

/** Reads the items of an RSS or Atom document; undefined when it is not a feed. */
export function readFeed(document: string): ParsedFeed | undefined {
  const format = detectFeedFormat(document);
  if (format === undefined) return undefined;
  const element = format === 'rss' ? 'item' : 'entry';
  const blocks = new RegExp(`<${element}\\b[^>]*>([\\s\\S]*?)</${element}\\s*>`, 'gi');
  const items: FeedItem[] = [];
  for (const match of document.matchAll(blocks)) {
    items.push(toItem(match[1] ?? ''));
    if (items.length >= MAX_FEED_ITEMS) break;
  }
  return { format, items };
}
