import { TextDecoder } from 'node:util';

/**
 * Bytes of a fetched status response → text, by the charset the response declares.
 * Order (docs/status-sources.md "Charset"): a byte-order mark wins; else the `charset` parameter
 * of `Content-Type`; else, for an XML body, the `encoding` of its `<?xml …?>` prolog; else UTF-8.
 * A label Node's `TextDecoder` does not know falls back to UTF-8 and is reported in `note`:
 * decoding never fails, it is only as right as the declaration.
 */

export interface DecodedBody {
  readonly text: string;
  /** The encoding actually used, as `TextDecoder` names it (`windows-1252` for ISO-8859-1). */
  readonly encoding: string;
  /** Set when a declared charset was not understood and UTF-8 was used instead. */
  readonly note?: string;
}

const UTF8 = 'utf-8';

/** `text/xml; charset="ISO-8859-1"` → `iso-8859-1`. */
export function charsetOfContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const label = (match?.[1] ?? match?.[2] ?? '').trim().toLowerCase();
  return label === '' ? undefined : label;
}

/** The `encoding` pseudo-attribute of an XML prolog at the very start of the bytes (ASCII-compatible). */
export function xmlPrologEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 256)).toString('latin1');
  const prolog = /^\s*<\?xml\s[^>]*?\?>/.exec(head)?.[0];
  if (prolog === undefined) return undefined;
  const match = /\bencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(prolog);
  const label = (match?.[1] ?? match?.[2] ?? '').trim().toLowerCase();
  // Bytes we could read the prolog of as ASCII are not UTF-16, whatever the prolog claims.
  if (label.startsWith('utf-16')) return UTF8;
  return label === '' ? undefined : label;
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return UTF8;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * windows-1252's bytes 0x80–0x9F (€, ‘’ “”, –, —, …). The WHATWG standard decodes every
 * `iso-8859-1`/`latin1`/`windows-1252` label this way, but Node 20's `TextDecoder` takes a latin-1
 * shortcut that yields the C1 controls U+0080–U+009F instead; those are mapped here.
 */
const WINDOWS_1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

function fixWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009F]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

function decoderFor(label: string): TextDecoder | undefined {
  try {
    return new TextDecoder(label);
  } catch {
    return undefined; // RangeError: a label the WHATWG Encoding Standard does not know
  }
}

export function decodeBody(bytes: Uint8Array, contentType: string | undefined): DecodedBody {
  const declared = bomEncoding(bytes) ?? charsetOfContentType(contentType) ?? xmlPrologEncoding(bytes);
  const decoder = declared === undefined ? undefined : decoderFor(declared);
  if (declared !== undefined && decoder === undefined) {
    return {
      text: new TextDecoder(UTF8).decode(bytes),
      encoding: UTF8,
      note: `unknown charset ${JSON.stringify(declared.slice(0, 40))}, read as UTF-8`,
    };
  }
  const used = decoder ?? new TextDecoder(UTF8);
  // TextDecoder drops a BOM matching its encoding; the text never starts with one.
  const text = used.decode(bytes);
  return { text: used.encoding === 'windows-1252' ? fixWindows1252(text) : text, encoding: used.encoding };
}
