import { STATUS_SOURCES, type StatusSourceKind } from './registry.js';
import type { StatusSource } from './status-source.js';
import { isJsonObject } from './upstream-payload.js';

/**
 * Guesses which kind of status feed a response is, for monitors that do not say (`format: auto`).
 * It looks at the first characters and, for JSON, at the shape of the parsed value, asking each
 * source of the registry in its order (each source's `detect` says what it recognises); the parsed
 * value is handed on so the parser does not parse the body again. Each kind needs the keys its
 * real payloads always carry, so a health endpoint's `{"status":"ok"}` or an empty `[]` is not
 * taken for a status feed (see docs/status-sources.md "Auto-detection"):
 *
 * | body                                                                            | kind            |
 * |---------------------------------------------------------------------------------|-----------------|
 * | JSON array whose first element has `id`, `begin` and `service_name`/`affected_products` | google   |
 * | JSON object with `status` (string), `active_incidents` (array) and `date_created`/`date_updated` | slack |
 * | JSON object with `ongoing_incidents` (array), or `page_title` plus a maintenance array | incidentio |
 * | JSON object with `status.indicator`, or a `components`/`incidents`/`scheduled_maintenances` array next to a `page` object | statuspage |
 * | RSS or Atom mentioning status.aws.amazon.com                                    | aws-rss         |
 * | other RSS or Atom                                                               | feed            |
 * | empty array, HTML, empty body, anything else                                    | null (with why) |
 *
 * The answer only picks a parser; the parser still validates everything. A monitor that names
 * its `format` skips detection.
 */
export type DetectedFormat =
  { readonly kind: StatusSourceKind } | { readonly kind: null; readonly problem: string };

/** A detection with the JSON value it parsed along the way (absent for XML and failures). */
export type SniffedBody = DetectedFormat & { readonly json?: unknown };

/** How much of the body the XML sniffing reads: the channel header and the first items. */
const XML_SNIFF_CHARS = 4096;

/** Detection only (the parsed JSON is dropped). */
export function detectFormat(body: string, contentType: string | undefined): DetectedFormat {
  const { json: _json, ...detected } = sniffBody(body, contentType);
  return detected as DetectedFormat;
}

/** Detection plus, for JSON, the parsed value, so that the body is parsed once. */
export function sniffBody(body: string, contentType: string | undefined): SniffedBody {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text === '') return { kind: null, problem: 'empty body' };
  const head = text.slice(0, XML_SNIFF_CHARS).toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || /^<[^>]*>\s*<html/.test(head)) {
    return { kind: null, problem: 'an HTML page, not a status feed' };
  }
  if (text.startsWith('<')) {
    if (!/<(rss|feed)[\s>]/.test(head)) return { kind: null, problem: 'XML that is neither RSS nor Atom' };
    for (const source of STATUS_SOURCES as readonly StatusSource[]) {
      if (source.detect?.xml?.(head) === true) return { kind: source.kind as StatusSourceKind };
    }
    return { kind: null, problem: 'RSS or Atom that no status source reads' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? 'no content-type';
    return { kind: null, problem: `not JSON, RSS or Atom (${media || 'no content-type'})` };
  }
  return { ...detectJsonFormat(json), json };
}

/** Which parser a parsed JSON body is for; null with the reason when none fits. */
export function detectJsonFormat(json: unknown): DetectedFormat {
  for (const source of STATUS_SOURCES as readonly StatusSource[]) {
    if (source.detect?.json?.(json) === true) return { kind: source.kind as StatusSourceKind };
  }
  if (Array.isArray(json)) {
    return json.length === 0
      ? {
          kind: null,
          problem:
            'an empty JSON array, not enough to tell a status feed (set format: google for incidents.json)',
        }
      : { kind: null, problem: 'a JSON array that is not Google incidents (no id, begin, service_name)' };
  }
  if (!isJsonObject(json)) return { kind: null, problem: 'JSON that is not an object' };
  const status = json['status'];
  if (typeof status === 'string') {
    return {
      kind: null,
      problem: `JSON with "status": ${JSON.stringify(status.slice(0, 40))} but no status feed shape (a health endpoint?)`,
    };
  }
  return { kind: null, problem: 'JSON of no known status format' };
}
