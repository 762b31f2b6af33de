import type { z } from 'zod';
import type { OfficialSnapshot } from '../core/official.js';
import { sanitizeSnapshot } from './sanitize.js';
import type { FormatDetection, StatusSource, StatusSourceInput } from './status-source.js';

/**
 * The checks every parser runs before it looks at the payload: HTTP status, size, media type,
 * JSON syntax and schema. Each failure becomes a `problem` string for an `unknown` snapshot.
 */

/**
 * Bodies longer than this are refused unread. Google's `incidents.json` is the largest feed we
 * know (one aggregator caps it at 10 MB); this leaves headroom while bounding parse time.
 */
export const MAX_BODY_CHARS = 16 * 1024 * 1024;

const HTTP_OK = 200;
const BYTE_ORDER_MARK = '\uFEFF';

export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** The snapshot for a payload that could not be used: never `ok`, always says why. */
export function unusableSnapshot(source: string, problem: string): OfficialSnapshot {
  return { source, overall: 'unknown', components: [], incidents: [], problem };
}

/** `text/html; charset=utf-8` → `text/html`; absent → `no content-type`. */
export function describeMediaType(contentType: string | undefined): string {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  return media === undefined || media === '' ? 'no content-type' : media;
}

/** Status and size checks shared by JSON and XML sources; returns the body without a BOM. */
export function checkResponse(input: StatusSourceInput): Checked<string> {
  if (input.httpStatus !== HTTP_OK) return { ok: false, problem: `HTTP ${input.httpStatus}` };
  if (input.body.length > MAX_BODY_CHARS) {
    return { ok: false, problem: `body too large (${input.body.length} chars)` };
  }
  const body = input.body.startsWith(BYTE_ORDER_MARK) ? input.body.slice(1) : input.body;
  return { ok: true, value: body };
}

/** Parses a JSON body; an HTML error page or broken JSON is a problem, not an exception. */
export function readJson(input: StatusSourceInput): Checked<unknown> {
  const checked = checkResponse(input);
  if (!checked.ok) return checked;
  try {
    return { ok: true, value: JSON.parse(checked.value) as unknown };
  } catch {
    return { ok: false, problem: `not JSON (${describeMediaType(input.contentType)})` };
  }
}

/** `['components', 0, 'status']` → `components[0].status`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'top level' : out;
}

/** Validates with the source's own schema; the first issue's path becomes the problem. */
export function checkShape<T>(schema: z.ZodType<T>, value: unknown): Checked<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  // A root-level issue has no path to point at; its message (e.g. a refine's) says more.
  const where =
    path.length === 0 && issue ? issue.message.replace(/^Invalid input: /, '') : formatIssuePath(path);
  return { ok: false, problem: `unexpected shape: ${where}` };
}

/** Reads and validates a JSON payload in one step. */
export function readJsonPayload<T>(input: StatusSourceInput, schema: z.ZodType<T>): Checked<T> {
  const json = readJson(input);
  return json.ok ? checkShape(schema, json.value) : json;
}

/**
 * A JSON status source from its schema and its mapping: `parse` reads the body, `parseJson`
 * takes a value parsed already (auto-detection parsed it), and both sanitise every text.
 */
export function jsonStatusSource<T, Kind extends string>(
  kind: Kind,
  schema: z.ZodType<T>,
  toSnapshot: (payload: T, input: StatusSourceInput) => OfficialSnapshot,
  detect: FormatDetection,
): StatusSource<Kind> {
  const parseJson = (json: unknown, input: StatusSourceInput): OfficialSnapshot => {
    const payload = checkShape(schema, json);
    return sanitizeSnapshot(
      payload.ok ? toSnapshot(payload.value, input) : unusableSnapshot(kind, payload.problem),
    );
  };
  return {
    kind,
    detect,
    parse(input: StatusSourceInput): OfficialSnapshot {
      const json = readJson(input);
      return json.ok ? parseJson(json.value, input) : sanitizeSnapshot(unusableSnapshot(kind, json.problem));
    },
    parseJson,
  };
}

/** A JSON object (not an array, not null): what most status payloads are. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upstream values quoted in a `problem` are cut short: they end up in logs and operator messages. */
const MAX_QUOTED_CHARS = 40;

/** `banana` → `"banana"`, cut to a few dozen characters. */
export function quoteValue(value: string): string {
  return JSON.stringify(value.slice(0, MAX_QUOTED_CHARS));
}

/** Looks up an upstream enum value; anything unlisted (including `constructor`) is `unknown`. */
export function lookupEnum<V>(
  table: ReadonlyMap<string, V>,
  value: string | null | undefined,
  fallback: V,
): V {
  if (value === null || value === undefined) return fallback;
  return table.get(value.trim().toLowerCase()) ?? fallback;
}

/** Epoch ms of an upstream timestamp (ISO-8601 or RFC 822), or undefined when unparseable. */
export function parseTimestamp(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || text.trim() === '') return undefined;
  const ms = Date.parse(text.trim());
  return Number.isFinite(ms) ? ms : undefined;
}

/** Resolves a possibly relative link against the fetched URL; undefined when impossible. */
export function resolveLink(link: string | null | undefined, base: string | undefined): string | undefined {
  if (link === null || link === undefined || link.trim() === '') return undefined;
  try {
    return new URL(link.trim(), base).href;
  } catch {
    return undefined;
  }
}
