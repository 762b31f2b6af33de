import type { OfficialSnapshot } from '../core/official.js';

/** Every kind of official status feed the bot can read, one parser file each. */
export const STATUS_SOURCE_KINDS = [
  'statuspage',
  'incidentio',
  'slack',
  'google',
  'aws-rss',
  'feed',
] as const;
export type StatusSourceKind = (typeof STATUS_SOURCE_KINDS)[number];

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
 * RSS/Atom incident history). Adding one is a file exporting a `StatusSource` plus one line in
 * `registry.ts`. See docs/status-sources.md.
 *
 * Promise: `parse` is pure and never throws for any input. A response it cannot use (non-200,
 * an HTML error page, a JSON parse error, an unexpected shape, an unrecognised overall state)
 * yields `overall: 'unknown'` with `problem` saying why; an unrecognised enum value never
 * becomes `ok`.
 */
export interface StatusSource {
  readonly kind: StatusSourceKind;
  parse(input: StatusSourceInput): OfficialSnapshot;
  /**
   * JSON sources only: `parse` for a body that was already parsed (`json` is `JSON.parse` of
   * `input.body`), so that auto-detection and the parser share one parse. Same promise as `parse`.
   */
  parseJson?(json: unknown, input: StatusSourceInput): OfficialSnapshot;
}
