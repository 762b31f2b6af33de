import { z } from 'zod';
import type {
  IncidentPhase,
  OfficialComponent,
  OfficialIncident,
  OfficialSeverity,
  OfficialSnapshot,
} from '../core/official.js';
import { plainText } from './sanitize.js';
import { severityFromIncidents, worstSeverity } from './severity.js';
import {
  isJsonObject,
  jsonStatusSource,
  lookupEnum,
  parseTimestamp,
  quoteValue,
} from './upstream-payload.js';

/**
 * Atlassian Statuspage public API v2: `summary.json`, `status.json`, `components.json`,
 * `incidents.json`, `incidents/unresolved.json`, `scheduled-maintenances*.json`, and the
 * incident.io "compatible" variant that omits most keys. Every field but `status.indicator` and
 * `components[].{id,name,status}` is optional. See docs/status-sources.md "Statuspage".
 * https://developer.statuspage.io/ (public API reference)
 */

const SOURCE = 'statuspage';

const optionalText = z.string().nullish();

const componentSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  group: z.boolean().nullish(),
  group_id: optionalText,
});

const affectedComponentSchema = z.object({ code: optionalText, name: optionalText });

const updateSchema = z.object({
  status: optionalText,
  body: optionalText,
  created_at: optionalText,
  display_at: optionalText,
  affected_components: z.array(affectedComponentSchema).nullish(),
});

const incidentSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  impact: optionalText,
  created_at: optionalText,
  updated_at: optionalText,
  started_at: optionalText,
  shortlink: optionalText,
  incident_updates: z.array(updateSchema).nullish(),
  components: z.array(z.object({ id: z.string(), name: z.string() })).nullish(),
});

const payloadSchema = z
  .object({
    page: z.object({ updated_at: optionalText }).nullish(),
    status: z.object({ indicator: z.string(), description: optionalText }).optional(),
    components: z.array(componentSchema).optional(),
    incidents: z.array(incidentSchema).optional(),
    scheduled_maintenances: z.array(incidentSchema).optional(),
  })
  .refine(
    (p) => [p.status, p.components, p.incidents, p.scheduled_maintenances].some((key) => key !== undefined),
    'no status, components, incidents or scheduled_maintenances',
  );

type Payload = z.infer<typeof payloadSchema>;
type UpstreamIncident = z.infer<typeof incidentSchema>;
type UpstreamComponent = z.infer<typeof componentSchema>;

/**
 * Page indicator → severity (docs/status-sources.md "Statuspage"). `maintenance` is not in
 * Atlassian's documented list, but real pages send it while a scheduled maintenance is in
 * progress (Asana's `summary.json`, fixture statuspage/asana_summary_maintenance_in_progress_trimmed.json),
 * as does Rootly's compatible API: the page shows "Service Under Maintenance", not an incident.
 */
const INDICATOR_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['none', 'ok'],
  ['minor', 'degraded'],
  ['major', 'partial_outage'],
  ['critical', 'major_outage'],
  ['maintenance', 'maintenance'],
]);

/** What a component or open incident may say that a maintenance must not hide. */
const BROKEN: ReadonlySet<OfficialSeverity> = new Set(['degraded', 'partial_outage', 'major_outage']);

/** The description Statuspage shows while a maintenance is in progress. */
const MAINTENANCE_DESCRIPTION = /\bunder maintenance\b/i;

const COMPONENT_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['operational', 'ok'],
  ['degraded_performance', 'degraded'],
  ['partial_outage', 'partial_outage'],
  ['major_outage', 'major_outage'],
  ['under_maintenance', 'maintenance'],
]);

const IMPACT_SEVERITY: ReadonlyMap<string, OfficialSeverity> = new Map([
  ['none', 'ok'],
  ['minor', 'degraded'],
  ['major', 'partial_outage'],
  ['critical', 'major_outage'],
  ['maintenance', 'maintenance'],
]);

const PHASES: ReadonlyMap<string, IncidentPhase> = new Map(
  (
    [
      'investigating',
      'identified',
      'monitoring',
      'resolved',
      'postmortem',
      'scheduled',
      'in_progress',
      'verifying',
      'completed',
    ] as const
  ).map((phase) => [phase, phase]),
);

/** Finished incidents, and maintenances that have not started yet, are not "open". */
const NOT_OPEN_PHASES: ReadonlySet<IncidentPhase> = new Set([
  'resolved',
  'postmortem',
  'completed',
  'scheduled',
]);

function toComponents(rows: readonly UpstreamComponent[]): OfficialComponent[] {
  // Group rows only label their children; their own status is an aggregate we must not double count.
  const groupNames = new Map(rows.filter((row) => row.group === true).map((row) => [row.id, row.name]));
  return rows
    .filter((row) => row.group !== true)
    .map((row) => {
      const groupName = row.group_id ? groupNames.get(row.group_id) : undefined;
      return {
        id: row.id,
        name: row.name,
        severity: lookupEnum(COMPONENT_SEVERITY, row.status, 'unknown'),
        ...(groupName === undefined ? {} : { groupName }),
      };
    });
}

function newestUpdate(incident: UpstreamIncident): z.infer<typeof updateSchema> | undefined {
  const updates = incident.incident_updates ?? [];
  // Statuspage lists newest first; sort anyway, keeping upstream order for undated updates.
  return updates
    .map((update, index) => ({ update, at: parseTimestamp(update.display_at ?? update.created_at), index }))
    .sort((a, b) => (b.at ?? -Infinity) - (a.at ?? -Infinity) || a.index - b.index)[0]?.update;
}

function affectedComponents(incident: UpstreamIncident): { ids: string[]; names: string[] } {
  if (incident.components && incident.components.length > 0) {
    return { ids: incident.components.map((c) => c.id), names: incident.components.map((c) => c.name) };
  }
  const affected = newestUpdate(incident)?.affected_components ?? [];
  return {
    ids: affected.flatMap((c) => (c.code ? [c.code] : [])),
    names: affected.flatMap((c) => (c.name ? [c.name] : [])),
  };
}

function toIncident(incident: UpstreamIncident, isMaintenance: boolean): OfficialIncident {
  const phase = lookupEnum(PHASES, incident.status, 'unknown');
  const body = newestUpdate(incident)?.body;
  const lastMessage = body ? plainText(body) : '';
  const startedAt = incident.started_at ?? incident.created_at;
  const { ids, names } = affectedComponents(incident);
  return {
    id: incident.id,
    title: plainText(incident.name),
    phase,
    impact: isMaintenance ? 'maintenance' : lookupEnum(IMPACT_SEVERITY, incident.impact, 'unknown'),
    ...(startedAt ? { startedAt } : {}),
    ...(incident.updated_at ? { updatedAt: incident.updated_at } : {}),
    ...(incident.shortlink ? { url: incident.shortlink } : {}),
    componentIds: ids,
    componentNames: names,
    ...(lastMessage === '' ? {} : { lastMessage }),
    isMaintenance,
  };
}

function openIncidents(payload: Payload): OfficialIncident[] {
  const incidents = (payload.incidents ?? []).map((incident) => toIncident(incident, false));
  const maintenances = (payload.scheduled_maintenances ?? []).map((m) => toIncident(m, true));
  return [...incidents, ...maintenances].filter((incident) => !NOT_OPEN_PHASES.has(incident.phase));
}

/**
 * The page indicator is the overall state when present: one component in major outage does not
 * make the whole service down. Without it (components.json, incidents.json) the worst component,
 * else the worst open incident, stands in. Maintenance (docs/status-sources.md "Statuspage"):
 *
 * - indicator `maintenance`: `maintenance`, unless a component or an open incident shows something
 *   actually broken, which then wins (a maintenance never hides an outage);
 * - indicator `none` while a maintenance runs (a component `under_maintenance`, a maintenance
 *   `in_progress`): `maintenance`, so nobody reads it as an outage or as ok;
 * - indicator `minor` with the description "Service Under Maintenance", or with components and
 *   incidents listed and nothing but maintenance among them: `maintenance` (the indicator was
 *   raised by the maintenance, nothing is broken).
 */
function overallSeverity(
  payload: Payload,
  components: readonly OfficialComponent[],
  incidents: readonly OfficialIncident[],
): OfficialSeverity {
  const fromParts = worstSeverity([...components.map((c) => c.severity), severityFromIncidents(incidents)]);
  if (payload.status === undefined) return fromParts;
  const fromIndicator = lookupEnum(INDICATOR_SEVERITY, payload.status.indicator, 'unknown');
  const nothingBroken = !BROKEN.has(fromParts);
  if (fromIndicator === 'maintenance') return nothingBroken ? 'maintenance' : fromParts;
  if (fromIndicator === 'ok') return fromParts === 'maintenance' ? 'maintenance' : fromIndicator;
  if (fromIndicator === 'degraded' && nothingBroken) {
    const saysMaintenance = MAINTENANCE_DESCRIPTION.test(payload.status.description ?? '');
    const partsListed = payload.components !== undefined && payload.incidents !== undefined;
    if (saysMaintenance || (partsListed && fromParts === 'maintenance')) return 'maintenance';
  }
  return fromIndicator;
}

/** Why `overall` came out `unknown`: the first unrecognised value that made it so. */
function explainUnknown(
  payload: Payload,
  components: readonly OfficialComponent[],
  incidents: readonly OfficialIncident[],
): string {
  if (payload.status) return `unrecognised status.indicator ${quoteValue(payload.status.indicator)}`;
  const component = components.find((c) => c.severity === 'unknown');
  if (component) return `unrecognised status of component ${quoteValue(component.name)}`;
  const incident = incidents.find((i) => i.impact === 'unknown');
  return `unrecognised impact of incident ${quoteValue(incident?.title ?? '')}`;
}

function toSnapshot(payload: Payload): OfficialSnapshot {
  const components = toComponents(payload.components ?? []);
  const incidents = openIncidents(payload);
  const overall = overallSeverity(payload, components, incidents);
  const pageUpdatedAt = payload.page?.updated_at;
  return {
    source: SOURCE,
    overall,
    components,
    incidents,
    ...(pageUpdatedAt ? { pageUpdatedAt } : {}),
    ...(overall === 'unknown' ? { problem: explainUnknown(payload, components, incidents) } : {}),
  };
}

/** Statuspage v2 JSON (and incident.io's compatible endpoints). */
/** Atlassian Statuspage: `status.indicator`, or a components/incidents array next to a `page` object. */
function isStatuspage(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const status = value['status'];
  if (isJsonObject(status) && 'indicator' in status) return true;
  if (!isJsonObject(value['page'])) return false;
  return ['components', 'incidents', 'scheduled_maintenances'].some((key) => Array.isArray(value[key]));
}

export const statuspageSource = jsonStatusSource(SOURCE, payloadSchema, toSnapshot, { json: isStatuspage });
