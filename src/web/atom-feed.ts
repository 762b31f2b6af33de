import { createHash } from 'node:crypto';
import { describeEvidence } from '../core/alert-message.js';
import type { Evidence } from '../core/detection/service-status.js';
import { type Locale, formatDateTime, messagesFor } from '../core/i18n/index.js';
import type { IncidentJson } from './api-schemas.js';
import { escapeXml } from './xml-text.js';

export const ATOM = 'application/atom+xml; charset=utf-8';
/** Entries in a feed: the most recent incidents. */
export const FEED_ENTRIES = 50;
/** Times in the feed's words are UTC and say so, as on the page. */
const FEED_TIME_ZONE = 'UTC';
/**
 * The namespace of the feed's name-based UUIDs (RFC 9562 version 5). Fixed: an entry's id must
 * never change, whichever instance or release serves it.
 */
const ID_NAMESPACE = 'ed007593-58eb-4860-b6b0-1a07653118e2';

/** A version 5 (SHA-1, name-based) UUID of `name` in `ID_NAMESPACE`. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(ID_NAMESPACE.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * An incident's entry id: the same for the life of the incident (its updates and its resolution
 * edit one entry), on every instance sharing the database. Derived from the incident's id, service
 * and start, so two bots with their own databases do not give two incidents one id.
 */
export const entryId = (i: Pick<IncidentJson, 'id' | 'serviceId' | 'startedAt'>): string =>
  `urn:uuid:${uuidV5(`incident:${i.id}:${i.serviceId}:${i.startedAt}`)}`;

export interface FeedInput {
  readonly locale: Locale;
  /** One service (its id and name), or every service the page shows. */
  readonly service?: { readonly id: string; readonly name: string };
  /** Newest first, as the query store lists them (ongoing first). */
  readonly incidents: readonly IncidentJson[];
  /** `updated` of a feed with no entry. */
  readonly now: number;
}

const langQuery = (locale: Locale): string => `lang=${locale}`;

/** The feed's own path and query, the canonical form of its `self` link. */
export function feedPath(input: Pick<FeedInput, 'locale' | 'service'>): string {
  const service = input.service ? `service=${encodeURIComponent(input.service.id)}&` : '';
  return `/feed.atom?${service}${langQuery(input.locale)}`;
}

/**
 * An Atom 1.0 feed (RFC 4287) of incidents: one entry per incident, its title the service and what
 * happened ("WhatsApp: down since …", "WhatsApp: resolved after …"), its summary the incident's
 * start and duration and its evidence as text, linked to the service's page. Links are relative, so
 * they resolve against wherever the feed was fetched from (behind a reverse proxy too). Every text
 * is XML-escaped, characters XML forbids dropped.
 */
export function renderAtomFeed(input: FeedInput): string {
  const { locale, service, incidents, now } = input;
  const m = messagesFor(locale);
  const t = m.page;
  const time = (iso: string): string => `${formatDateTime(locale, Date.parse(iso), FEED_TIME_ZONE)} UTC`;
  const updated = incidents.reduce((max, i) => (i.updatedAt > max ? i.updatedAt : max), '');
  const entries = incidents.map((i) => {
    const title =
      i.resolvedAt === null
        ? t.feedOngoing({ serviceName: i.serviceName, state: m.state[i.status], date: time(i.startedAt) })
        : t.feedResolved({ serviceName: i.serviceName, durationMs: i.durationMs ?? 0 });
    const duration =
      i.durationMs === null ? t.lastingFor(now - Date.parse(i.startedAt)) : t.resolvedAfter(i.durationMs);
    const summary = [
      `${t.severity[i.severity]} · ${t.started} ${time(i.startedAt)} · ${duration}`,
      ...describeEvidence(i.evidence as readonly Evidence[], i.serviceName, m),
    ].join('\n');
    return `<entry>
<id>${entryId(i)}</id>
<title type="text">${escapeXml(title)}</title>
<updated>${i.updatedAt}</updated>
<published>${i.startedAt}</published>
<link rel="alternate" type="text/html" href="/services/${encodeURIComponent(i.serviceId)}?${langQuery(locale)}"/>
<category term="${i.severity}" label="${escapeXml(t.severity[i.severity])}"/>
<summary type="text">${escapeXml(summary)}</summary>
</entry>`;
  });
  const title = service ? `${service.name} — ${t.incidentHistory}` : `${t.title} — ${t.incidentHistory}`;
  const alternate = service ? `/services/${encodeURIComponent(service.id)}` : '/';
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${locale}">
<id>urn:uuid:${uuidV5(`feed:${service ? `service:${service.id}` : 'all'}:${locale}`)}</id>
<title type="text">${escapeXml(title)}</title>
<updated>${updated || new Date(now).toISOString()}</updated>
<link rel="self" type="application/atom+xml" href="${escapeXml(feedPath(input))}"/>
<link rel="alternate" type="text/html" href="${alternate}?${langQuery(locale)}"/>
<author><name>${escapeXml(t.title)}</name></author>
${entries.join('\n')}
</feed>
`;
}
