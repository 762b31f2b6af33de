import { z } from 'zod';
import type {
  IncidentPhase,
  OfficialIncident,
  OfficialSeverity,
  OfficialSnapshot,
} from '../core/official.js';
import { plainText } from './sanitize.js';
import { severityFromIncidents } from './severity.js';
import {
  isJsonObject,
  jsonStatusSource,
  lookupEnum,
  parseTimestamp,
  quoteValue,
  unusableSnapshot,
} from './upstream-payload.js';

/**
 * Slack status API v2, `GET https://slack-status.com/api/v2.0.0/current` (unauthenticated).
 * Slack publishes no component list; affected services are named on each incident.
 * See docs/status-sources.md "Slack" and https://docs.slack.dev/reference/slack-status-api
 */

const SOURCE = 'slack';

const optionalText = z.string().nullish();

const incidentSchema = z.object({
  id: z.union([z.number(), z.string()]),
  title: z.string(),
  type: optionalText,
  status: optionalText,
  url: optionalText,
  date_created: optionalText,
  date_updated: optionalText,
  services: z.array(z.string()).nullish(),
  notes: z.array(z.object({ date_created: optionalText, body: optionalText })).nullish(),
});

const payloadSchema = z.object({
  status: z.string(),
  date_updated: optionalText,
  active_incidents: z.array(incidentSchema).nullish(),
});

type Payload = z.infer<typeof payloadSchema>;
type UpstreamIncident = z.infer<typeof incidentSchema>;

/** Incident `type` → severity (docs/status-sources.md "Slack"). */
const TYPE_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['outage', 'major_outage'],
  ['incident', 'partial_outage'],
  ['notice', 'degraded'],
  ['maintenance', 'maintenance'],
]);

/** Slack's incident `status` says open or not, never the investigation stage. */
const PHASES: ReadonlyMap<string, IncidentPhase> = new Map([
  ['active', 'unknown'],
  ['resolved', 'resolved'],
  ['scheduled', 'scheduled'],
  ['completed', 'completed'],
]);

const CLOSED_PHASES: ReadonlySet<IncidentPhase> = new Set(['resolved', 'completed', 'scheduled']);

function newestNoteBody(incident: UpstreamIncident): string {
  const notes = (incident.notes ?? []).map((note, index) => ({
    note,
    index,
    at: parseTimestamp(note.date_created),
  }));
  notes.sort((a, b) => (b.at ?? -Infinity) - (a.at ?? -Infinity) || a.index - b.index);
  const body = notes[0]?.note.body;
  return body ? plainText(body) : '';
}

function toIncident(incident: UpstreamIncident): OfficialIncident {
  const isMaintenance = incident.type === 'maintenance';
  const phase = lookupEnum(PHASES, incident.status, 'unknown');
  const lastMessage = newestNoteBody(incident);
  const services = incident.services ?? [];
  return {
    id: String(incident.id),
    title: plainText(incident.title),
    phase: isMaintenance && phase === 'unknown' ? 'in_progress' : phase,
    impact: lookupEnum(TYPE_SEVERITY, incident.type, 'unknown'),
    ...(incident.date_created ? { startedAt: incident.date_created } : {}),
    ...(incident.date_updated ? { updatedAt: incident.date_updated } : {}),
    ...(incident.url ? { url: incident.url } : {}),
    componentIds: [],
    componentNames: services,
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance,
  };
}

/** `ok` or `active` overall; anything else is a vocabulary we do not know. */
const PAGE_STATUSES: ReadonlySet<string> = new Set(['ok', 'active']);

/**
 * The incidents decide the severity. `active` with none listed still means something is wrong,
 * so it reads as `degraded`, never `ok`.
 */
function toSnapshot(payload: Payload): OfficialSnapshot {
  const incidents = (payload.active_incidents ?? [])
    .map(toIncident)
    .filter((incident) => !CLOSED_PHASES.has(incident.phase));
  const pageUpdatedAt = payload.date_updated ? { pageUpdatedAt: payload.date_updated } : {};
  const status = payload.status.trim().toLowerCase();
  if (!PAGE_STATUSES.has(status)) {
    const problem = `unrecognised status ${quoteValue(payload.status)}`;
    return { ...unusableSnapshot(SOURCE, problem), incidents, ...pageUpdatedAt };
  }
  const fromIncidents = severityFromIncidents(incidents);
  const overall = status === 'active' && fromIncidents === 'ok' ? 'degraded' : fromIncidents;
  const unclear = incidents.find((incident) => incident.impact === 'unknown');
  return {
    source: SOURCE,
    overall,
    components: [],
    incidents,
    ...pageUpdatedAt,
    ...(overall === 'unknown' && unclear
      ? { problem: `unrecognised type of incident ${quoteValue(unclear.title)}` }
      : {}),
  };
}

/** Slack status API v2 `current`. */
/** Slack's `current`: `status` (a string), `active_incidents` and a creation or update date. */
function isSlackCurrent(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const dated = typeof value['date_created'] === 'string' || typeof value['date_updated'] === 'string';
  return typeof value['status'] === 'string' && Array.isArray(value['active_incidents']) && dated;
}

export const slackSource = jsonStatusSource(SOURCE, payloadSchema, toSnapshot, { json: isSlackCurrent });
