/**
 * `parse_mode: 'HTML'` as Telegram parses it: https://core.telegram.org/bots/api#html-style.
 * Produces the visible text plus entities (offsets in UTF-16 code units, as the Bot API counts them),
 * or the error that follows `Bad Request: can't parse entities: `. Error texts and byte offsets follow
 * tdlib's HTML parser (td/telegram/MessageEntity.cpp), which the Bot API server uses.
 *
 * Deliberately stricter than Telegram in one place: tdlib keeps an unescaped `&` or `>` as a literal,
 * but the docs say every `<`, `>` and `&` outside markup must be escaped, and our renderer promises
 * that. So the fake rejects them, which catches escaping bugs the real API would hide.
 */
import type { MessageEntity } from './bot-api-types.js';

/** Outcome of parsing: visible text and entities, or tdlib's error text. */
export type HtmlParseResult =
  { ok: true; text: string; entities: MessageEntity[] } | { ok: false; error: string };

/** Supported tags and the entity type each becomes (span/a/code/blockquote get refined on close). */
const TAG_ENTITY: Readonly<Record<string, string>> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  span: 'spoiler',
  'tg-spoiler': 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

/** The only named entities the Bot API decodes. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"' };

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  start: number; // offset in the output, UTF-16 code units
}

class HtmlError extends Error {}

/** Parses Telegram HTML; never throws. */
export function parseTelegramHtml(html: string): HtmlParseResult {
  try {
    return { ok: true, ...new HtmlScanner(html).run() };
  } catch (error) {
    if (error instanceof HtmlError) return { ok: false, error: error.message };
    throw error;
  }
}

class HtmlScanner {
  private i = 0;
  private out = '';
  private readonly open: OpenTag[] = [];
  private readonly entities: MessageEntity[] = [];

  constructor(private readonly src: string) {}

  run(): { text: string; entities: MessageEntity[] } {
    while (this.i < this.src.length) {
      const c = this.src[this.i];
      if (c === '<') this.readTag();
      else if (c === '&') this.out += this.readEntity();
      else if (c === '>') this.fail(`Unescaped ">" at byte offset ${this.byteOffset(this.i)}`);
      else {
        this.out += c;
        this.i += 1;
      }
    }
    const unclosed = this.open.at(-1);
    if (unclosed !== undefined) {
      this.fail(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
    }
    this.entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
    return { text: this.out, entities: this.entities };
  }

  private fail(message: string): never {
    throw new HtmlError(message);
  }

  private byteOffset(index: number): number {
    return Buffer.byteLength(this.src.slice(0, index), 'utf8');
  }

  /** Decodes `&lt;`, `&#60;`, `&#x3c;` …; anything else is an error (see the module comment). */
  private readEntity(): string {
    const match = /^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/.exec(this.src.slice(this.i));
    const body = match?.[1];
    const decoded = body === undefined ? undefined : decodeEntityBody(body);
    if (match === null || decoded === undefined) {
      this.fail(`Unescaped "&" or unsupported HTML entity at byte offset ${this.byteOffset(this.i)}`);
    }
    this.i += match[0].length;
    return decoded;
  }

  private readTag(): void {
    const begin = this.i;
    this.i += 1;
    if (this.src[this.i] === '/') this.readEndTag(begin);
    else this.readStartTag(begin);
  }

  private readStartTag(begin: number): void {
    const name = this.readName();
    if (!(name in TAG_ENTITY)) {
      this.fail(`Unsupported start tag "${name}" at byte offset ${this.byteOffset(begin)}`);
    }
    const attributes = this.readAttributes(name);
    if (name === 'span' && attributes.get('class') !== 'tg-spoiler') {
      this.fail(`Tag "span" must have class "tg-spoiler" at byte offset ${this.byteOffset(begin)}`);
    }
    this.open.push({ name, attributes, start: this.out.length });
  }

  private readEndTag(begin: number): void {
    const top = this.open.pop();
    if (top === undefined) this.fail(`Unexpected end tag at byte offset ${this.byteOffset(begin)}`);
    this.i += 1; // the slash
    const name = this.readName();
    this.skipSpaces();
    if (this.src[this.i] !== '>') {
      this.fail(`Can't find end tag corresponding to start tag "${top.name}"`);
    }
    this.i += 1;
    if (name !== top.name) {
      this.fail(
        `Unmatched end tag at byte offset ${this.byteOffset(begin)}, expected "</${top.name}>", found "</${name}>"`,
      );
    }
    this.closeEntity(top);
  }

  private closeEntity(tag: OpenTag): void {
    const length = this.out.length - tag.start;
    const language = tag.attributes.get('class')?.match(/^language-(.+)$/)?.[1];
    const parent = this.open.at(-1);
    if (tag.name === 'code' && language !== undefined && parent?.name === 'pre') {
      parent.attributes.set('language', language); // <pre><code class="language-x"> is one entity
      return;
    }
    if (length === 0) return; // Telegram drops empty entities
    const entity: MessageEntity = { type: TAG_ENTITY[tag.name] ?? 'bold', offset: tag.start, length };
    if (tag.name === 'a') {
      const href = tag.attributes.get('href');
      if (href === undefined || href === '') return; // tdlib ignores <a> without a link
      const mentioned = /^tg:\/\/user\?id=(\d+)$/.exec(href)?.[1];
      if (mentioned === undefined) entity.url = href;
      else Object.assign(entity, { type: 'text_mention', user: { id: Number(mentioned) } });
    }
    const preLanguage = tag.attributes.get('language');
    if (tag.name === 'pre' && preLanguage !== undefined) entity.language = preLanguage;
    if (tag.name === 'blockquote' && tag.attributes.has('expandable')) {
      entity.type = 'expandable_blockquote';
    }
    if (tag.name === 'tg-emoji') {
      const emojiId = tag.attributes.get('emoji-id');
      if (emojiId === undefined) this.fail('Custom emoji entity must contain a tag "emoji-id"');
      entity.custom_emoji_id = emojiId;
    }
    this.entities.push(entity);
  }

  private readName(): string {
    const start = this.i;
    while (this.i < this.src.length && /[A-Za-z0-9-]/.test(this.src[this.i] ?? '')) this.i += 1;
    return this.src.slice(start, this.i).toLowerCase();
  }

  private skipSpaces(): void {
    while (/\s/.test(this.src[this.i] ?? '')) this.i += 1;
  }

  /** Reads `name="v"`, `name='v'`, `name=v` and bare `name` up to and including the `>`. */
  private readAttributes(tag: string): Map<string, string> {
    const attributes = new Map<string, string>();
    for (;;) {
      this.skipSpaces();
      const c = this.src[this.i];
      if (c === undefined) this.fail(`Unclosed start tag at byte offset ${this.byteOffset(this.i)}`);
      if (c === '>') {
        this.i += 1;
        return attributes;
      }
      const name = this.readName();
      if (name === '') {
        this.fail(`Empty attribute name in the tag "${tag}" at byte offset ${this.byteOffset(this.i)}`);
      }
      this.skipSpaces();
      if (this.src[this.i] !== '=') {
        attributes.set(name, '');
        continue;
      }
      this.i += 1;
      this.skipSpaces();
      attributes.set(name, this.readAttributeValue());
    }
  }

  private readAttributeValue(): string {
    const quote = this.src[this.i];
    if (quote === '"' || quote === "'") {
      const end = this.src.indexOf(quote, this.i + 1);
      if (end < 0) this.fail(`Unclosed start tag at byte offset ${this.byteOffset(this.i)}`);
      const raw = this.src.slice(this.i + 1, end);
      this.i = end + 1;
      return raw.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (all, body: string) => {
        return decodeEntityBody(body) ?? all;
      });
    }
    const start = this.i;
    while (/[^\s>]/.test(this.src[this.i] ?? '>')) this.i += 1;
    return this.src.slice(start, this.i);
  }
}

function decodeEntityBody(body: string): string | undefined {
  if (!body.startsWith('#')) return NAMED_ENTITIES[body];
  const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1));
  if (code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}
