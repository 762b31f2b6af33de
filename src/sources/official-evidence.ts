import type {
  IncidentPhase,
  OfficialIncident,
  OfficialSeverity,
  OfficialSnapshot,
} from '../core/official.js';

/**
 * Plain-text English evidence lines for an official snapshot, e.g.
 * `GitHub says: Investigating — Incident with Actions`. Localisation comes later; renderers
 * escape the text for their platform.
 */

/** More lines than this would drown the alert; the rest is summarised in one line. */
export const MAX_EVIDENCE_LINES = 5;

const PHASE_LABELS: Readonly<Record<IncidentPhase, string | undefined>> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
  unknown: undefined,
};

const SEVERITY_LABELS: Readonly<Record<OfficialSeverity, string>> = {
  ok: 'Operational',
  maintenance: 'Maintenance',
  degraded: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  unknown: 'Status unknown',
};

/** The phase when the source publishes one, else the impact (Slack, Google and AWS have no phase). */
function incidentLabel(incident: OfficialIncident): string {
  const phase = PHASE_LABELS[incident.phase];
  if (incident.isMaintenance)
    return phase === undefined ? 'Maintenance' : `Maintenance ${phase.toLowerCase()}`;
  return phase ?? SEVERITY_LABELS[incident.impact];
}

function capped(lines: readonly string[], what: string): string[] {
  if (lines.length <= MAX_EVIDENCE_LINES) return [...lines];
  const rest = lines.length - MAX_EVIDENCE_LINES;
  return [...lines.slice(0, MAX_EVIDENCE_LINES), `${rest} more ${what}`];
}

/**
 * One line per open incident (or, with none, per component not operational), at most
 * `MAX_EVIDENCE_LINES` plus a summary line; one line for an unreadable or all-clear page.
 */
export function describeOfficialEvidence(serviceName: string, snapshot: OfficialSnapshot): string[] {
  if (snapshot.problem !== undefined) {
    return [`${serviceName} status page unreadable: ${snapshot.problem}`];
  }
  return officialStatements(snapshot).map((line) => `${serviceName} says: ${line}`);
}

/**
 * What the page states, without naming the service (`Investigating — Incident with Actions`):
 * the lines a status-page monitor hands to detection, which frames them in each chat's language
 * (`GitHub says: …`, `GitHub জানিয়েছে: …`). Same selection and cap as `describeOfficialEvidence`.
 * An unreadable page states nothing: empty.
 */
export function officialStatements(snapshot: OfficialSnapshot): string[] {
  if (snapshot.problem !== undefined) return [];
  if (snapshot.incidents.length > 0) {
    const lines = snapshot.incidents.map((i) => `${incidentLabel(i)} — ${i.title}`);
    return capped(lines, 'incidents');
  }
  const troubled = snapshot.components.filter((c) => c.severity !== 'ok');
  if (troubled.length > 0) {
    const lines = troubled.map((c) => `${SEVERITY_LABELS[c.severity]} — ${c.name}`);
    return capped(lines, 'components');
  }
  if (snapshot.overall === 'ok') return ['all systems operational'];
  return [SEVERITY_LABELS[snapshot.overall]];
}
