import type { OfficialSeverity, OfficialSnapshot } from '../core/official.js';
import { type BodyBytes, bodyBuffer } from './body-blocks.js';
import { filterComponents } from './component-filter.js';
import { decodeBody } from './decode-body.js';
import { sniffBody } from './detect-format.js';
import { officialStatements } from './official-evidence.js';
import { findStatusSource } from './registry.js';
import { sanitizeSnapshot } from './sanitize.js';
import type { StatusSourceKind } from './registry.js';
import type { StatusSourceInput } from './status-source.js';
import { checkResponse, unusableSnapshot } from './upstream-payload.js';

/** `auto` detects the kind from the body (see `detectFormat`); the others name a parser. */
export type StatusFormat = 'auto' | StatusSourceKind;

/** A fetched response whose body may still be bytes (decoded where it is parsed). */
export interface StatusResponse extends Omit<StatusSourceInput, 'body'> {
  readonly body: string | BodyBytes;
}

/**
 * The body as text, decoded by its charset (byte order mark, then the `Content-Type` charset, then
 * an XML prolog's encoding, then UTF-8; see `decodeBody`). Text given as text is kept as it is.
 */
export function decodeStatusBody(body: string | BodyBytes, contentType: string | undefined): string {
  return typeof body === 'string' ? body : decodeBody(bodyBuffer(body), contentType).text;
}

/**
 * A fetched response, its body maybe still bytes → what the page says. Pure and synchronous: the
 * probe runs it inline for small bodies and in a worker thread for big ones (see
 * `src/monitors/probes/parse-worker.ts`).
 */
export function parseStatusNow(response: StatusResponse, format: StatusFormat): OfficialSnapshot {
  const input: StatusSourceInput = {
    ...response,
    body: decodeStatusBody(response.body, response.contentType),
  };
  return parseStatusResponse(input, format);
}

/**
 * One fetched response → what the page says. Pure, synchronous and self-contained (no I/O, no
 * shared state), so it can run on a worker thread as it is. With `auto`, a JSON body is parsed
 * once: detection looks at the parsed value and the parser receives that value. XML bodies are
 * only sniffed by detection (their first few kilobytes) and read once by the parser.
 * Never throws; an unusable response is `overall: 'unknown'` with a `problem`.
 */
export function parseStatusResponse(input: StatusSourceInput, format: StatusFormat): OfficialSnapshot {
  if (format !== 'auto') {
    const source = findStatusSource(format);
    return source === undefined ? unusableSnapshot(format, `no parser for ${format}`) : source.parse(input);
  }
  const checked = checkResponse(input);
  if (!checked.ok) return sanitizeSnapshot(unusableSnapshot('auto', checked.problem));
  const detected = sniffBody(checked.value, input.contentType);
  if (detected.kind === null) return sanitizeSnapshot(unusableSnapshot('auto', detected.problem));
  const source = findStatusSource(detected.kind);
  if (source === undefined) return unusableSnapshot(detected.kind, `no parser for ${detected.kind}`);
  return 'json' in detected && source.parseJson !== undefined
    ? source.parseJson(detected.json, input)
    : source.parse(input);
}

/**
 * What a check keeps of a snapshot: its verdict and evidence lines (at most a handful). A
 * 16 MiB feed can hold ten thousand open incidents; handing those between threads would
 * cost more than parsing them, so the worker hands over this instead.
 */
export interface StatusDigest {
  readonly source: string;
  readonly overall: OfficialSeverity;
  readonly problem?: string;
  /** `officialStatements` of the snapshot. */
  readonly statements: readonly string[];
}

export function digestSnapshot(snapshot: OfficialSnapshot): StatusDigest {
  return {
    source: snapshot.source,
    overall: snapshot.overall,
    ...(snapshot.problem === undefined ? {} : { problem: snapshot.problem }),
    statements: officialStatements(snapshot),
  };
}

/** Parses, keeps only the named components (none named: all), and digests. */
export function digestStatusNow(
  response: StatusResponse,
  format: StatusFormat,
  components: readonly string[],
): StatusDigest {
  return digestSnapshot(filterComponents(parseStatusNow(response, format), components));
}
