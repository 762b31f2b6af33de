import { awsRssSource } from './aws-rss-source.js';
import { feedSource } from './feed-source.js';
import { googleSource } from './google-source.js';
import { incidentioSource } from './incidentio-source.js';
import { slackSource } from './slack-source.js';
import { statuspageSource } from './statuspage-source.js';
import type { StatusSource } from './status-source.js';

/**
 * Every official status source, one per kind. Adding one is a file plus a line here. The order is
 * the order `format: auto` asks them in (see detect-format.ts): the first whose detection says yes
 * parses the body, so a specific feed comes before a general one (AWS before any RSS/Atom).
 */
export const STATUS_SOURCES = [
  slackSource,
  incidentioSource,
  statuspageSource,
  googleSource,
  awsRssSource,
  feedSource,
] as const satisfies readonly StatusSource[];

/** A `format:` value that names a parser: `statuspage`, `incidentio`, … (from the list above). */
export type StatusSourceKind = (typeof STATUS_SOURCES)[number]['kind'];

/** Every kind, in the registry's order (for the services file's `format:` choices). */
export const STATUS_SOURCE_KINDS = STATUS_SOURCES.map((source) => source.kind) as [
  StatusSourceKind,
  ...StatusSourceKind[],
];

/** The source for a `kind` (e.g. from the services file), or undefined when there is none. */
export function findStatusSource(kind: string): StatusSource | undefined {
  return (STATUS_SOURCES as readonly StatusSource[]).find((source) => source.kind === kind);
}
