import type { OfficialIncident, OfficialSeverity, OfficialSnapshot } from '../core/official.js';
import {
  dateItems,
  explainUnusableDates,
  isRecent,
  readFeedPayload,
  toIsoTime,
  type DatedItem,
} from './feed-payload.js';
import { plainText, sanitizeSnapshot } from './sanitize.js';
import { severityFromIncidents } from './severity.js';
import type { StatusSource, StatusSourceInput } from './status-source.js';
import { quoteValue, unusableSnapshot } from './upstream-payload.js';

/**
 * AWS Service Health Dashboard RSS, `https://status.aws.amazon.com/rss/<service>-<region>.rss`
 * (also `all.rss`). Every update is its own item; the state is the title prefix
 * (`Service disruption:` …, `Service is operating normally:`, `[RESOLVED]`). Items are grouped
 * by the guid's `#<service>-<region>` fragment and the newest item of each group decides.
 * See docs/status-sources.md "AWS".
 */

const SOURCE = 'aws-rss';

/** Title prefixes, matched case-insensitively at the start of the title. */
const PREFIX_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['service is operating normally', 'ok'],
  ['informational message', 'degraded'],
  ['performance issues', 'partial_outage'],
  ['service degradation', 'partial_outage'],
  ['service disruption', 'major_outage'],
]);

const RESOLVED_MARK = /\[RESOLVED\]/i;
const PREFIX_PATTERN = /^\s*([^:]{1,60}):\s*/;

interface ItemState {
  readonly severity: OfficialSeverity;
  /** The title without its state prefix, English half only when bilingual (`日本語 | English`). */
  readonly title: string;
  readonly prefix: string;
}

function stateOf(rawTitle: string): ItemState {
  const title = plainText(rawTitle);
  const prefix = PREFIX_PATTERN.exec(title)?.[1] ?? '';
  const rest = prefix === '' ? title : title.replace(PREFIX_PATTERN, '');
  const english = rest.split(' | ').at(-1)?.trim() || rest;
  const known = PREFIX_SEVERITY.get(prefix.toLowerCase());
  const severity = RESOLVED_MARK.test(title) ? 'ok' : (known ?? 'unknown');
  return { severity, title: english.replace(RESOLVED_MARK, '').trim(), prefix };
}

/** `http://status.aws.amazon.com/#ec2-ap-northeast-1_1566559115` → `ec2-ap-northeast-1`. */
function groupKey(item: DatedItem['item']): string {
  const fragment = item.id?.split('#')[1];
  return fragment?.replace(/_\d+$/, '') ?? '';
}

/**
 * The group's open incident, if any: its newest item is not "normal" and is recent. The
 * incident starts at the oldest item of the unbroken run of non-normal items before it.
 */
function openIncident(group: readonly DatedItem[], key: string, now: number): OfficialIncident | undefined {
  const [newest] = group;
  if (newest === undefined || !isRecent(newest.at, now)) return undefined;
  const state = stateOf(newest.item.title ?? '');
  if (state.severity === 'ok') return undefined;
  const runLength = group.findIndex((entry) => stateOf(entry.item.title ?? '').severity === 'ok');
  const first = group[runLength === -1 ? group.length - 1 : runLength - 1] ?? newest;
  const lastMessage = plainText(newest.item.description ?? '');
  return {
    id: first.item.id ?? `${key}@${first.at}`,
    title: state.title,
    phase: 'unknown',
    impact: state.severity,
    startedAt: toIsoTime(first.at),
    updatedAt: toIsoTime(newest.at),
    ...(newest.item.link ? { url: newest.item.link } : {}),
    componentIds: key === '' ? [] : [key],
    componentNames: key === '' ? [] : [key],
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance: false,
  };
}

function groupItems(usable: readonly DatedItem[]): Map<string, DatedItem[]> {
  const groups = new Map<string, DatedItem[]>();
  for (const entry of usable) {
    const key = groupKey(entry.item);
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  return groups;
}

function parseAwsRss(input: StatusSourceInput): OfficialSnapshot {
  const items = readFeedPayload(input);
  if (!items.ok) return unusableSnapshot(SOURCE, items.problem);
  const dated = dateItems(items.value, input.now);
  const problem = explainUnusableDates(dated);
  if (problem !== undefined) return unusableSnapshot(SOURCE, problem);
  const incidents = [...groupItems(dated.usable)].flatMap(
    ([key, group]) => openIncident(group, key, input.now) ?? [],
  );
  const overall = severityFromIncidents(incidents);
  const unclear = incidents.find((incident) => incident.impact === 'unknown');
  return {
    source: SOURCE,
    overall,
    components: [],
    incidents,
    ...(dated.usable[0] ? { pageUpdatedAt: toIsoTime(dated.usable[0].at) } : {}),
    ...(overall === 'unknown' && unclear
      ? { problem: `unrecognised state in the title of ${quoteValue(unclear.title)}` }
      : {}),
  };
}

/** AWS Service Health Dashboard RSS. */
export const awsRssSource: StatusSource<'aws-rss'> = {
  kind: 'aws-rss',
  // Before the generic feed in the registry: an AWS feed is also RSS.
  detect: { xml: (head: string) => head.includes('status.aws.amazon.com') },
  parse: (input: StatusSourceInput) => sanitizeSnapshot(parseAwsRss(input)),
};
