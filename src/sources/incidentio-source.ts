import { z } from 'zod';
import type {
  IncidentPhase,
  OfficialIncident,
  OfficialSeverity,
  OfficialSnapshot,
} from '../core/official.js';
import { plainText } from './sanitize.js';
import { severityFromIncidents } from './severity.js';
import type { StatusSourceInput } from './status-source.js';
import { isJsonObject, jsonStatusSource, lookupEnum, quoteValue, resolveLink } from './upstream-payload.js';

/**
 * incident.io status page Widget API, `GET https://<page>/api/v1/summary` (public, no key).
 * It lists only what is affected, never the full component list, so `components` stays empty
 * and component names live on the incidents. See docs/status-sources.md "incident.io".
 * Documented in the incident.io help centre ("Widget API"); fixture: incidentio/widget_api_summary_docs_example.json.
 */

const SOURCE = 'incidentio';

const optionalText = z.string().nullish();

const affectedComponentSchema = z.object({
  id: z.string(),
  name: z.string(),
  group_name: optionalText,
  current_status: optionalText,
});

const entrySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: optionalText,
  url: optionalText,
  last_update_at: optionalText,
  last_update_message: optionalText,
  current_worst_impact: optionalText,
  affected_components: z.array(affectedComponentSchema).nullish(),
  started_at: optionalText,
});

const payloadSchema = z
  .object({
    ongoing_incidents: z.array(entrySchema).optional(),
    in_progress_maintenances: z.array(entrySchema).optional(),
    scheduled_maintenances: z.array(entrySchema).optional(),
  })
  .refine(
    (p) =>
      [p.ongoing_incidents, p.in_progress_maintenances, p.scheduled_maintenances].some(
        (k) => k !== undefined,
      ),
    'no ongoing_incidents, in_progress_maintenances or scheduled_maintenances',
  );

type Payload = z.infer<typeof payloadSchema>;
type Entry = z.infer<typeof entrySchema>;

/** incident.io says `full_outage` where Statuspage says `major_outage`. */
const IMPACT_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['operational', 'ok'],
  ['degraded_performance', 'degraded'],
  ['partial_outage', 'partial_outage'],
  ['full_outage', 'major_outage'],
]);

const PHASES: ReadonlyMap<string, IncidentPhase> = new Map([
  ['investigating', 'investigating'],
  ['identified', 'identified'],
  ['monitoring', 'monitoring'],
  ['resolved', 'resolved'],
  ['maintenance_scheduled', 'scheduled'],
  ['maintenance_in_progress', 'in_progress'],
  ['maintenance_complete', 'completed'],
]);

const CLOSED_PHASES: ReadonlySet<IncidentPhase> = new Set(['resolved', 'completed', 'scheduled']);

function toIncident(entry: Entry, isMaintenance: boolean, sourceUrl: string | undefined): OfficialIncident {
  const components = entry.affected_components ?? [];
  const lastMessage = entry.last_update_message ? plainText(entry.last_update_message) : '';
  const url = resolveLink(entry.url, sourceUrl);
  return {
    id: entry.id,
    title: plainText(entry.name),
    phase: lookupEnum(PHASES, entry.status, 'unknown'),
    impact: isMaintenance
      ? 'maintenance'
      : lookupEnum(IMPACT_SEVERITY, entry.current_worst_impact, 'unknown'),
    ...(entry.started_at ? { startedAt: entry.started_at } : {}),
    ...(entry.last_update_at ? { updatedAt: entry.last_update_at } : {}),
    ...(url === undefined ? {} : { url }),
    componentIds: components.map((c) => c.id),
    componentNames: components.map((c) => c.name),
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance,
  };
}

function toSnapshot(payload: Payload, input: StatusSourceInput): OfficialSnapshot {
  const { sourceUrl } = input;
  // `scheduled_maintenances` have not started: they say nothing about now.
  const incidents = [
    ...(payload.ongoing_incidents ?? []).map((entry) => toIncident(entry, false, sourceUrl)),
    ...(payload.in_progress_maintenances ?? []).map((entry) => toIncident(entry, true, sourceUrl)),
  ].filter((incident) => !CLOSED_PHASES.has(incident.phase));
  const overall = severityFromIncidents(incidents);
  const unclear = incidents.find((incident) => incident.impact === 'unknown');
  return {
    source: SOURCE,
    overall,
    components: [],
    incidents,
    ...(overall === 'unknown' && unclear
      ? { problem: `unrecognised current_worst_impact of incident ${quoteValue(unclear.title)}` }
      : {}),
  };
}

/** incident.io Widget API summary. */
/** incident.io's widget: `ongoing_incidents`, or `page_title` with a maintenance array. */
function isIncidentioWidget(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  if (Array.isArray(value['ongoing_incidents'])) return true;
  const maintenances =
    Array.isArray(value['in_progress_maintenances']) || Array.isArray(value['scheduled_maintenances']);
  return typeof value['page_title'] === 'string' && maintenances;
}

export const incidentioSource = jsonStatusSource(SOURCE, payloadSchema, toSnapshot, {
  json: isIncidentioWidget,
});
