import type { OfficialSnapshot } from '../core/official.js';

/**
 * How `format: auto` recognises a source's payloads (see detect-format.ts). Each test needs the
 * keys the source's real payloads always carry, so a health endpoint's `{"status":"ok"}` is not
 * taken for a status feed. Detection asks the sources in the registry's order; the first yes wins.
 */
export interface FormatDetection {
  /** A parsed JSON body (object or array) is this source's payload. */
  readonly json?: (value: unknown) => boolean;
  /** An RSS or Atom body, by its first few kilobytes lower-cased, is this source's feed. */
  readonly xml?: (head: string) => boolean;
}

/** One fetched response, as the HTTP layer saw it. The parser does no I/O. */
export interface StatusSourceInput {
  readonly httpStatus: number;
  /** The raw `Content-Type` header, if any. */
  readonly contentType: string | undefined;
  /** The body decoded as text (the fetcher caps its size). */
  readonly body: string;
  /** The current time in epoch ms (feeds judge recency against it). */
  readonly now: number;
  /** The URL that was fetched, used to resolve relative incident links. */
  readonly sourceUrl?: string;
}

/**
 * One kind of official status source (Statuspage, incident.io widget, Slack, Google, AWS RSS,
 * RSS/Atom incident history). Adding one is a file exporting a `StatusSource` (its parser and how
 * auto-detection recognises it) plus one line in `registry.ts`. See docs/status-sources.md.
 *
 * Promise: `parse` is pure and never throws for any input. A response it cannot use (non-200,
 * an HTML error page, a JSON parse error, an unexpected shape, an unrecognised overall state)
 * yields `overall: 'unknown'` with `problem` saying why; an unrecognised enum value never
 * becomes `ok`.
 */
export interface StatusSource<Kind extends string = string> {
  /** The `format:` value naming it in the services file (`statuspage`, `feed`, …). */
  readonly kind: Kind;
  /** How auto-detection recognises it; a source without one is only used when named. */
  readonly detect?: FormatDetection;
  parse(input: StatusSourceInput): OfficialSnapshot;
  /**
   * JSON sources only: `parse` for a body that was already parsed (`json` is `JSON.parse` of
   * `input.body`), so that auto-detection and the parser share one parse. Same promise as `parse`.
   */
  parseJson?(json: unknown, input: StatusSourceInput): OfficialSnapshot;
}
