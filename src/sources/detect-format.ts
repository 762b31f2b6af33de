import type { StatusSourceKind } from './status-source.js';

/**
 * Guesses which kind of status feed a response is, for monitors that do not say (`format: auto`).
 * Pure and cheap: it looks at the media type, the first characters and, for JSON, the top-level
 * keys. The answer only picks a parser; the parser still validates everything.
 *
 * | body                                                     | kind        |
 * |----------------------------------------------------------|-------------|
 * | JSON array                                               | google      |
 * | JSON with `active_incidents`, or `status` "ok"/"active"  | slack       |
 * | JSON with `ongoing_incidents` or `page_title`            | incidentio  |
 * | JSON with `status.indicator`, `page` or `components`     | statuspage  |
 * | XML mentioning status.aws.amazon.com                     | aws-rss     |
 * | other RSS or Atom                                        | feed        |
 * | HTML, empty, anything else                               | null (with why) |
 */
export type DetectedFormat =
  { readonly kind: StatusSourceKind } | { readonly kind: null; readonly problem: string };

/** How much of the body the XML sniffing reads: the channel header and the first items. */
const XML_SNIFF_CHARS = 4096;

export function detectFormat(body: string, contentType: string | undefined): DetectedFormat {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text === '') return { kind: null, problem: 'empty body' };
  const head = text.slice(0, XML_SNIFF_CHARS).toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || /^<[^>]*>\s*<html/.test(head)) {
    return { kind: null, problem: 'an HTML page, not a status feed' };
  }
  if (text.startsWith('<')) {
    if (!/<(rss|feed)[\s>]/.test(head)) return { kind: null, problem: 'XML that is neither RSS nor Atom' };
    return { kind: head.includes('status.aws.amazon.com') ? 'aws-rss' : 'feed' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? 'no content-type';
    return { kind: null, problem: `not JSON, RSS or Atom (${media || 'no content-type'})` };
  }
  return detectJsonFormat(json);
}

function detectJsonFormat(json: unknown): DetectedFormat {
  if (Array.isArray(json)) return { kind: 'google' };
  if (typeof json !== 'object' || json === null) return { kind: null, problem: 'JSON that is not an object' };
  const record = json as Record<string, unknown>;
  if ('active_incidents' in record || record['status'] === 'ok' || record['status'] === 'active') {
    return { kind: 'slack' };
  }
  if ('ongoing_incidents' in record || 'page_title' in record) return { kind: 'incidentio' };
  const status = record['status'];
  const hasIndicator = typeof status === 'object' && status !== null && 'indicator' in status;
  if (hasIndicator || 'page' in record || 'components' in record) return { kind: 'statuspage' };
  return { kind: null, problem: 'JSON of no known status format' };
}
