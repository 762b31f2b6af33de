import type { OfficialIncident, OfficialSeverity } from '../core/official.js';

/**
 * Rank for aggregation. `unknown` sits above `ok` and `maintenance` (an unreadable part never
 * makes the whole look good) but below any real problem (a known outage says more).
 */
const SEVERITY_RANK: Readonly<Record<OfficialSeverity, number>> = {
  ok: 0,
  maintenance: 1,
  unknown: 2,
  degraded: 3,
  partial_outage: 4,
  major_outage: 5,
};

/** The worst of the given severities; `ok` for none. */
export function worstSeverity(severities: Iterable<OfficialSeverity>): OfficialSeverity {
  let worst: OfficialSeverity = 'ok';
  for (const severity of severities) {
    if (SEVERITY_RANK[severity] > SEVERITY_RANK[worst]) worst = severity;
  }
  return worst;
}

/**
 * Overall severity from open incidents alone, for sources with no page-level indicator: the
 * worst incident impact, or `ok` when nothing is open. Maintenances weigh as `maintenance`.
 */
export function severityFromIncidents(incidents: readonly OfficialIncident[]): OfficialSeverity {
  return worstSeverity(
    incidents.map((incident) => (incident.isMaintenance ? 'maintenance' : incident.impact)),
  );
}
