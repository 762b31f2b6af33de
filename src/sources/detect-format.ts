import type { StatusSourceKind } from './status-source.js';

/**
 * Guesses which kind of status feed a response is, for monitors that do not say (`format: auto`).
 * It looks at the first characters and, for JSON, at the shape of the parsed value; the parsed
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
    return { kind: head.includes('status.aws.amazon.com') ? 'aws-rss' : 'feed' };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Google Cloud / Workspace `incidents.json` element: `id`, `begin`, and what it affects. */
function isGoogleIncident(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const affects = typeof value['service_name'] === 'string' || Array.isArray(value['affected_products']);
  return typeof value['id'] === 'string' && typeof value['begin'] === 'string' && affects;
}

function isSlackCurrent(record: Record<string, unknown>): boolean {
  const dated = typeof record['date_created'] === 'string' || typeof record['date_updated'] === 'string';
  return typeof record['status'] === 'string' && Array.isArray(record['active_incidents']) && dated;
}

function isIncidentioWidget(record: Record<string, unknown>): boolean {
  if (Array.isArray(record['ongoing_incidents'])) return true;
  const maintenances =
    Array.isArray(record['in_progress_maintenances']) || Array.isArray(record['scheduled_maintenances']);
  return typeof record['page_title'] === 'string' && maintenances;
}

function isStatuspage(record: Record<string, unknown>): boolean {
  const status = record['status'];
  if (isRecord(status) && 'indicator' in status) return true;
  if (!isRecord(record['page'])) return false;
  return ['components', 'incidents', 'scheduled_maintenances'].some((key) => Array.isArray(record[key]));
}

/** Which parser a parsed JSON body is for; null with the reason when none fits. */
export function detectJsonFormat(json: unknown): DetectedFormat {
  if (Array.isArray(json)) {
    if (json.length === 0) {
      return {
        kind: null,
        problem:
          'an empty JSON array, not enough to tell a status feed (set format: google for incidents.json)',
      };
    }
    return isGoogleIncident(json[0])
      ? { kind: 'google' }
      : { kind: null, problem: 'a JSON array that is not Google incidents (no id, begin, service_name)' };
  }
  if (!isRecord(json)) return { kind: null, problem: 'JSON that is not an object' };
  if (isSlackCurrent(json)) return { kind: 'slack' };
  if (isIncidentioWidget(json)) return { kind: 'incidentio' };
  if (isStatuspage(json)) return { kind: 'statuspage' };
  const status = json['status'];
  if (typeof status === 'string') {
    return {
      kind: null,
      problem: `JSON with "status": ${JSON.stringify(status.slice(0, 40))} but no status feed shape (a health endpoint?)`,
    };
  }
  return { kind: null, problem: 'JSON of no known status format' };
}
