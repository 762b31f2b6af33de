import type { IncidentPhase, OfficialIncident, OfficialSnapshot } from '../core/official.js';
import {
  dateItems,
  explainUnusableDates,
  FUTURE_SKEW_MS,
  isRecent,
  itemTime,
  readFeedPayload,
  toIsoTime,
  type DatedItem,
} from './feed-payload.js';
import { decodeEntities } from './plain-text.js';
import { cleanText, plainText, sanitizeSnapshot } from './sanitize.js';
import { severityFromIncidents } from './severity.js';
import type { StatusSource, StatusSourceInput } from './status-source.js';
import { lookupEnum, resolveLink, unusableSnapshot } from './upstream-payload.js';
import type { FeedItem } from './xml-feed.js';

/**
 * RSS 2.0 / Atom incident-history feeds: Statuspage (`history.atom`, `history.rss`), Instatus
 * (`history.rss`, `history.atom`) and similar. One item per incident; its HTML body lists the
 * updates as `<p><small>Sep 25, 15:15:00 GMT+0</small><br><strong>Label</strong> - text</p>`.
 * The current update decides: Investigating / Identified / Monitoring / Update keep it open,
 * Resolved / Completed close it. Only items changed within `OPEN_WINDOW_MS` of `now` can be open.
 *
 * Statuspage lists updates newest first; Instatus RSS lists them oldest first, escapes the markup
 * once more inside CDATA and dates the item (`pubDate`) at the incident's start. So the updates
 * are ordered by their own timestamps when every one has a readable timestamp (upstream order,
 * read as newest first, otherwise), the markup is unescaped when it arrives escaped, and an
 * item's last change is its newest update when that is later than its date.
 * See docs/status-sources.md "RSS and Atom history feeds".
 */

const SOURCE = 'feed';

/** Update labels as Statuspage and Instatus write them. `Update` carries no phase of its own. */
const LABEL_PHASES: ReadonlyMap<string, IncidentPhase> = new Map([
  ['investigating', 'investigating'],
  ['identified', 'identified'],
  ['monitoring', 'monitoring'],
  ['resolved', 'resolved'],
  ['postmortem', 'postmortem'],
  ['scheduled', 'scheduled'],
  ['planned', 'scheduled'],
  ['not started yet', 'scheduled'],
  ['in progress', 'in_progress'],
  ['verifying', 'verifying'],
  ['completed', 'completed'],
]);

/** Phases an Instatus maintenance's updates reuse from incidents: the maintenance is running. */
const RUNNING_PHASES: ReadonlySet<IncidentPhase> = new Set(['investigating', 'identified', 'monitoring']);

const CLOSED_PHASES: ReadonlySet<IncidentPhase> = new Set([
  'resolved',
  'postmortem',
  'completed',
  'scheduled',
]);
const MAINTENANCE_PHASES: ReadonlySet<IncidentPhase> = new Set(['in_progress', 'verifying']);

/** `<strong>Label</strong> -` (one label, a dash): where an update starts within a paragraph. */
const LABEL_PATTERN = /<strong>\s*([^<]{1,40}?)\s*<\/strong>\s*(?:-|–|—)\s*/gi;
/** `<strong>Type:</strong> Maintenance`: Instatus's header paragraphs. */
const HEADER_PATTERN = /^\s*<strong>\s*([^<:]{1,40}):\s*<\/strong>([\s\S]*)$/i;
/** Bounded so that hostile input (`<small<small…`) stays linear; real tags are short. */
const SMALL_OPEN_PATTERN = /<small\b[^<>]{0,200}>/i;
const PARAGRAPH_OPEN_PATTERN = /<p\b[^<>]{0,200}>/i;

/** A label at the start of a title, for feeds without update markup: `[Resolved] …`, `Resolved: …`. */
const TITLE_LABEL_PATTERN =
  /^\s*\[?\s*(investigating|identified|monitoring|resolved|postmortem|scheduled|in progress|verifying|completed)\s*\]?\s*[:\-–—]?\s/i;

interface FeedUpdate {
  readonly label: string;
  readonly message: string;
  /** When the update was posted, from its `<small>` line; undefined when unreadable. */
  readonly at: number | undefined;
}

interface ItemBody {
  /** Newest first. */
  readonly updates: readonly FeedUpdate[];
  /** Instatus header fields (`type`, `affected components`), lower-case keys, plain-text values. */
  readonly headers: ReadonlyMap<string, string>;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Offsets (minutes east of UTC) of the zone names the two vendors print. Unknown → no absolute time. */
const ZONE_OFFSETS: ReadonlyMap<string, number> = new Map([
  ['utc', 0],
  ['gmt', 0],
  ['z', 0],
  ['wet', 0],
  ['bst', 60],
  ['cet', 60],
  ['cest', 120],
  ['eet', 120],
  ['eest', 180],
  ['ist', 330],
  ['jst', 540],
  ['aest', 600],
  ['aedt', 660],
  ['est', -300],
  ['edt', -240],
  ['cst', -360],
  ['cdt', -300],
  ['mst', -420],
  ['mdt', -360],
  ['pst', -480],
  ['pdt', -420],
]);

const STAMP_PATTERN =
  /^([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(?:(\d{4}),?\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([a-z]{1,5})?\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\s*$/i;

const HALF_YEAR_MS = 183 * 24 * 60 * 60 * 1000;

/**
 * `Sep 25, 15:15:00 GMT+0` / `Dec 23, 10:30 CET` → epoch ms. The markup has no year: the one that
 * puts the update nearest to the item's own date (`reference`) is taken.
 */
export function parseUpdateStamp(text: string, reference: number | undefined): number | undefined {
  const match = STAMP_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, monthName = '', day = '', year, hour = '', minute = '', second, zone, sign, offHours, offMinutes] =
    match;
  const month = MONTHS.indexOf(monthName.toLowerCase());
  const zoneOffset = zone === undefined ? 0 : ZONE_OFFSETS.get(zone.toLowerCase());
  if (month < 0 || zoneOffset === undefined) return undefined;
  const extra =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offHours) * 60 + Number(offMinutes ?? 0));
  const at = (y: number) =>
    Date.UTC(y, month, Number(day), Number(hour), Number(minute), Number(second ?? 0)) -
    (zoneOffset + extra) * 60_000;
  if (year !== undefined) return at(Number(year));
  if (reference === undefined) return undefined;
  const referenceYear = new Date(reference).getUTCFullYear();
  const candidate = at(referenceYear);
  if (candidate - reference > HALF_YEAR_MS) return at(referenceYear - 1);
  if (reference - candidate > HALF_YEAR_MS) return at(referenceYear + 1);
  return candidate;
}

/** The text of a paragraph's first `<small>` element: the update's timestamp. */
function smallText(paragraph: string): string | undefined {
  const open = SMALL_OPEN_PATTERN.exec(paragraph);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const end = paragraph.toLowerCase().indexOf('</small', start);
  return end < 0 ? undefined : paragraph.slice(start, end);
}

/** Instatus RSS escapes the update markup once more inside CDATA: `&lt;strong&gt;Resolved…`. */
function unescapeMarkup(html: string): string {
  return /&lt;\s*(?:strong|p|small)\b/i.test(html) ? decodeEntities(html) : html;
}

function readBody(rawHtml: string, reference: number | undefined): ItemBody {
  const html = unescapeMarkup(rawHtml);
  const updates: FeedUpdate[] = [];
  const headers = new Map<string, string>();
  for (const paragraph of html.split(PARAGRAPH_OPEN_PATTERN)) {
    const close = paragraph.toLowerCase().indexOf('</p');
    const header = HEADER_PATTERN.exec(close < 0 ? paragraph : paragraph.slice(0, close));
    if (header && !/^\s*(?:-|–|—)/.test(header[2] ?? '')) {
      headers.set((header[1] ?? '').trim().toLowerCase(), plainText(header[2] ?? ''));
      continue;
    }
    const stamp = smallText(paragraph);
    const at = stamp === undefined ? undefined : parseUpdateStamp(plainText(stamp), reference);
    const labels = [...paragraph.matchAll(LABEL_PATTERN)];
    labels.forEach((match, index) => {
      const end = labels[index + 1]?.index ?? paragraph.length;
      updates.push({
        label: cleanText(match[1] ?? '').toLowerCase(),
        message: plainText(paragraph.slice(match.index + match[0].length, end)),
        at,
      });
    });
  }
  return { updates: newestFirst(updates), headers };
}

/**
 * Updates ordered newest first: by their timestamps when all have one (stable for equal times),
 * else in upstream order, which Statuspage writes newest first.
 */
function newestFirst(updates: readonly FeedUpdate[]): FeedUpdate[] {
  if (updates.some((update) => update.at === undefined)) return [...updates];
  return updates
    .map((update, index) => ({ update, index }))
    .sort((a, b) => (b.update.at ?? 0) - (a.update.at ?? 0) || a.index - b.index)
    .map(({ update }) => update);
}

/** The newest label that names a phase; `Update` entries defer to the one before them. */
function phaseOf(updates: readonly FeedUpdate[], title: string): IncidentPhase {
  for (const update of updates) {
    const phase = lookupEnum(LABEL_PHASES, update.label, 'unknown');
    if (phase !== 'unknown') return phase;
  }
  const fromTitle = TITLE_LABEL_PATTERN.exec(title)?.[1];
  return lookupEnum(LABEL_PHASES, fromTitle, 'unknown');
}

function htmlOf(item: FeedItem): string {
  return item.content ?? item.description ?? '';
}

/** Each item's body, read once per parse. */
type BodyCache = WeakMap<FeedItem, ItemBody>;

function bodyOf(item: FeedItem, cache: BodyCache): ItemBody {
  let body = cache.get(item);
  if (body === undefined) {
    body = readBody(htmlOf(item), parseTimestampOrUndefined(item.published) ?? itemTime(item));
    cache.set(item, body);
  }
  return body;
}

/**
 * The item's own date, or a later update in its markup: Instatus dates an item at its start. A
 * markup time ahead of `now` is not trusted over a dated item (a zone abbreviation read wrongly
 * must not set a live incident aside as "in the future").
 */
function lastChange(item: FeedItem, cache: BodyCache, now: number): number | undefined {
  const own = itemTime(item);
  const times = bodyOf(item, cache).updates.flatMap((update) => (update.at === undefined ? [] : [update.at]));
  const newest = times.length === 0 ? undefined : Math.max(...times);
  if (own === undefined) return newest;
  if (newest === undefined || newest > now + FUTURE_SKEW_MS) return own;
  return Math.max(own, newest);
}

function parseTimestampOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `Addons, Jobs, Services` from the Instatus header, else from the plain-text description. */
function affectedComponents(headers: ReadonlyMap<string, string>, item: FeedItem): string[] {
  const split = (text: string) =>
    text
      .split(',')
      .map((name) => cleanText(name))
      .filter((name) => name !== '');
  const fromHeader = split(headers.get('affected components') ?? '');
  if (fromHeader.length > 0) return fromHeader;
  const line = /affected components:[ \t]*([^\n<]*)/i.exec(item.description ?? '')?.[1] ?? '';
  return headers.has('affected components') ? split(line) : [];
}

function toIncident(
  { item, at }: DatedItem,
  sourceUrl: string | undefined,
  cache: BodyCache,
): OfficialIncident {
  const { updates, headers } = bodyOf(item, cache);
  const title = plainText(item.title ?? '');
  const declaredMaintenance = /^maintenance\b/i.test(headers.get('type') ?? '');
  const labelled = phaseOf(updates, title);
  const phase = declaredMaintenance && RUNNING_PHASES.has(labelled) ? 'in_progress' : labelled;
  const isMaintenance = MAINTENANCE_PHASES.has(phase) || (declaredMaintenance && !CLOSED_PHASES.has(phase));
  const lastMessage = updates[0]?.message ?? plainText(htmlOf(item));
  const url = resolveLink(item.link, sourceUrl);
  const oldest = updates.at(-1)?.at;
  // Atom has both dates; otherwise the oldest dated update is the start.
  const startedAt =
    item.updated && item.published
      ? item.published
      : oldest !== undefined && updates.every((u) => u.at !== undefined)
        ? toIsoTime(oldest)
        : undefined;
  const componentNames = affectedComponents(headers, item);
  return {
    id: item.id ?? item.link ?? title,
    title,
    phase,
    // A history feed carries no impact: an open incident is read as the mildest problem.
    impact: isMaintenance ? 'maintenance' : 'degraded',
    ...(startedAt === undefined ? {} : { startedAt }),
    updatedAt: toIsoTime(at),
    ...(url === undefined ? {} : { url }),
    componentIds: [],
    componentNames,
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance,
  };
}

function parseFeed(input: StatusSourceInput): OfficialSnapshot {
  const items = readFeedPayload(input);
  if (!items.ok) return unusableSnapshot(SOURCE, items.problem);
  const cache: BodyCache = new WeakMap();
  const dated = dateItems(items.value, input.now, (item) => lastChange(item, cache, input.now));
  const problem = explainUnusableDates(dated);
  if (problem !== undefined) return unusableSnapshot(SOURCE, problem);
  const incidents = dated.usable
    .filter(({ at }) => isRecent(at, input.now))
    .map((entry) => toIncident(entry, input.sourceUrl, cache))
    .filter((incident) => !CLOSED_PHASES.has(incident.phase));
  return {
    source: SOURCE,
    overall: severityFromIncidents(incidents),
    components: [],
    incidents,
    ...(dated.usable[0] ? { pageUpdatedAt: toIsoTime(dated.usable[0].at) } : {}),
  };
}

/** RSS 2.0 / Atom incident-history feed. */
export const feedSource: StatusSource<'feed'> = {
  kind: 'feed',
  // Any RSS or Atom: last in the registry, so the specific feeds are asked first.
  detect: { xml: () => true },
  parse: (input: StatusSourceInput) => sanitizeSnapshot(parseFeed(input)),
};
