import { awsRssSource } from './aws-rss-source.js';
import { feedSource } from './feed-source.js';
import { googleSource } from './google-source.js';
import { incidentioSource } from './incidentio-source.js';
import { slackSource } from './slack-source.js';
import { statuspageSource } from './statuspage-source.js';
import type { StatusSource } from './status-source.js';

/** Every official status source, one per kind. Adding one is a file plus a line here. */
export const STATUS_SOURCES: readonly StatusSource[] = [
  statuspageSource,
  incidentioSource,
  slackSource,
  googleSource,
  awsRssSource,
  feedSource,
];

/** The source for a `kind` (e.g. from the services file), or undefined when there is none. */
export function findStatusSource(kind: string): StatusSource | undefined {
  return STATUS_SOURCES.find((source) => source.kind === kind);
}
