import type { IncidentPhase, OfficialIncident, OfficialSnapshot } from '../core/official.js';
import {
  dateItems,
  explainUnusableDates,
  isRecent,
  readFeedPayload,
  toIsoTime,
  type DatedItem,
} from './feed-payload.js';
import { htmlToPlainText } from './plain-text.js';
import { severityFromIncidents } from './severity.js';
import type { StatusSource, StatusSourceInput } from './status-source.js';
import { lookupEnum, resolveLink, unusableSnapshot } from './upstream-payload.js';

/**
 * RSS 2.0 / Atom incident-history feeds, Statuspage style (`history.atom`, `history.rss`) and
 * similar. One item per incident; its HTML body lists updates newest first as
 * `<strong>Label</strong> - text`. The newest label decides: Investigating / Identified /
 * Monitoring / Update keep it open, Resolved / Completed close it. Only items changed within
 * `OPEN_WINDOW_MS` of `now` can be open. See status-sources.md §1.1 "History feeds".
 */

const SOURCE = 'feed';

/** Update labels as Statuspage writes them. `Update` carries no phase of its own. */
const LABEL_PHASES: ReadonlyMap<string, IncidentPhase> = new Map([
  ['investigating', 'investigating'],
  ['identified', 'identified'],
  ['monitoring', 'monitoring'],
  ['resolved', 'resolved'],
  ['postmortem', 'postmortem'],
  ['scheduled', 'scheduled'],
  ['in progress', 'in_progress'],
  ['verifying', 'verifying'],
  ['completed', 'completed'],
]);

const CLOSED_PHASES: ReadonlySet<IncidentPhase> = new Set([
  'resolved',
  'postmortem',
  'completed',
  'scheduled',
]);
const MAINTENANCE_PHASES: ReadonlySet<IncidentPhase> = new Set(['in_progress', 'verifying']);

/** `<strong>Label</strong> - text` inside one `<p>`: Statuspage's update markup. */
const UPDATE_PATTERN = /<strong>\s*([^<]{1,40}?)\s*<\/strong>\s*(?:-|–|—)\s*([\s\S]*?)(?=<p\b|$)/gi;

/** A label at the start of a title, for feeds without update markup: `[Resolved] …`, `Resolved: …`. */
const TITLE_LABEL_PATTERN =
  /^\s*\[?\s*(investigating|identified|monitoring|resolved|postmortem|scheduled|in progress|verifying|completed)\s*\]?\s*[:\-–—]?\s/i;

interface FeedUpdate {
  readonly label: string;
  readonly message: string;
}

function updatesOf(html: string): FeedUpdate[] {
  return [...html.matchAll(UPDATE_PATTERN)].map((match) => ({
    label: (match[1] ?? '').trim().toLowerCase(),
    message: htmlToPlainText(match[2] ?? ''),
  }));
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

function toIncident({ item, at }: DatedItem, sourceUrl: string | undefined): OfficialIncident {
  const html = item.content ?? item.description ?? '';
  const updates = updatesOf(html);
  const title = htmlToPlainText(item.title ?? '');
  const phase = phaseOf(updates, title);
  const isMaintenance = MAINTENANCE_PHASES.has(phase);
  const lastMessage = updates[0]?.message ?? htmlToPlainText(html);
  const url = resolveLink(item.link, sourceUrl);
  // Atom has both dates; an RSS `pubDate` is the last update, not the start.
  const startedAt = item.updated && item.published ? item.published : undefined;
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
    componentNames: [],
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance,
  };
}

function parseFeed(input: StatusSourceInput): OfficialSnapshot {
  const items = readFeedPayload(input);
  if (!items.ok) return unusableSnapshot(SOURCE, items.problem);
  const dated = dateItems(items.value, input.now);
  const problem = explainUnusableDates(dated);
  if (problem !== undefined) return unusableSnapshot(SOURCE, problem);
  const incidents = dated.usable
    .filter(({ at }) => isRecent(at, input.now))
    .map((entry) => toIncident(entry, input.sourceUrl))
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
export const feedSource: StatusSource = { kind: 'feed', parse: parseFeed };
