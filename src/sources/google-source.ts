import { z } from 'zod';
import type { OfficialIncident, OfficialSeverity, OfficialSnapshot } from '../core/official.js';
import { plainText } from './sanitize.js';
import { severityFromIncidents } from './severity.js';
import type { StatusSourceInput } from './status-source.js';
import { isJsonObject, jsonStatusSource, lookupEnum, quoteValue, resolveLink } from './upstream-payload.js';

/**
 * Google Cloud (`https://status.cloud.google.com/incidents.json`) and Google Workspace
 * (`https://www.google.com/appsstatus/dashboard/incidents.json`): an array of incidents, the
 * whole history. Ongoing = no `end`. Affected products are named on each incident; there is no
 * component list. Schema: https://status.cloud.google.com/incidents.schema.json
 * See docs/status-sources.md "Google".
 */

const SOURCE = 'google';

const optionalText = z.string().nullish();

const updateSchema = z.object({ text: optionalText, status: optionalText, when: optionalText });

const incidentSchema = z.object({
  id: z.string(),
  external_desc: z.string(),
  begin: optionalText,
  modified: optionalText,
  end: optionalText,
  most_recent_update: updateSchema.nullish(),
  status_impact: optionalText,
  service_name: optionalText,
  affected_products: z.array(z.object({ title: z.string(), id: optionalText })).nullish(),
  uri: optionalText,
});

const payloadSchema = z.array(incidentSchema);

type UpstreamIncident = z.infer<typeof incidentSchema>;

/** Google's impact vocabulary (docs/status-sources.md "Google"). */
const IMPACT_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['available', 'ok'],
  ['service_information', 'degraded'],
  ['service_disruption', 'partial_outage'],
  ['service_outage', 'major_outage'],
]);

function isOngoing(incident: UpstreamIncident): boolean {
  return incident.end === undefined || incident.end === null || incident.end.trim() === '';
}

function affectedProducts(incident: UpstreamIncident): { ids: string[]; names: string[] } {
  const products = incident.affected_products ?? [];
  if (products.length === 0 && incident.service_name) return { ids: [], names: [incident.service_name] };
  return {
    ids: products.flatMap((p) => (p.id ? [p.id] : [])),
    names: products.map((p) => p.title),
  };
}

/** The newest update's status wins over the incident's headline impact: it is what holds now. */
function toIncident(incident: UpstreamIncident, sourceUrl: string | undefined): OfficialIncident {
  const latest = incident.most_recent_update;
  const impact = lookupEnum(IMPACT_SEVERITY, latest?.status ?? incident.status_impact, 'unknown');
  const lastMessage = latest?.text ? plainText(latest.text) : '';
  const updatedAt = latest?.when ?? incident.modified;
  const url = resolveLink(incident.uri, sourceUrl);
  const { ids, names } = affectedProducts(incident);
  return {
    id: incident.id,
    title: plainText(incident.external_desc),
    // Google publishes no investigation stage.
    phase: 'unknown',
    impact,
    ...(incident.begin ? { startedAt: incident.begin } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    ...(url === undefined ? {} : { url }),
    componentIds: ids,
    componentNames: names,
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance: false,
  };
}

function toSnapshot(rows: readonly UpstreamIncident[], input: StatusSourceInput): OfficialSnapshot {
  const incidents = rows.filter(isOngoing).map((row) => toIncident(row, input.sourceUrl));
  const overall = severityFromIncidents(incidents);
  const unclear = incidents.find((incident) => incident.impact === 'unknown');
  return {
    source: SOURCE,
    overall,
    components: [],
    incidents,
    ...(overall === 'unknown' && unclear
      ? { problem: `unrecognised status of incident ${quoteValue(unclear.title)}` }
      : {}),
  };
}

/** Google Cloud / Workspace `incidents.json`. */
/** A Google Cloud / Workspace `incidents.json` element: `id`, `begin`, and what it affects. */
function isGoogleIncident(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const affects = typeof value['service_name'] === 'string' || Array.isArray(value['affected_products']);
  return typeof value['id'] === 'string' && typeof value['begin'] === 'string' && affects;
}

/** Google's `incidents.json`: a JSON array whose first element is an incident. */
export const googleSource = jsonStatusSource(SOURCE, payloadSchema, toSnapshot, {
  json: (value) => Array.isArray(value) && value.length > 0 && isGoogleIncident(value[0]),
});
