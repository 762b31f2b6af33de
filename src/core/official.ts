/**
 * The normalised shape of an official status source (Statuspage, incident.io, Slack, Google, AWS, RSS/Atom).
 * Every parser in `src/sources/` turns its upstream payload into this; detection only sees this.
 * See docs/status-sources.md "Official status sources" (its opening section and the `overall` table).
 */

/** Official severity, worst last (except `unknown`, which is never treated as good). */
export const OFFICIAL_SEVERITIES = [
  'ok',
  'maintenance',
  'degraded',
  'partial_outage',
  'major_outage',
  'unknown',
] as const;
export type OfficialSeverity = (typeof OFFICIAL_SEVERITIES)[number];

export const INCIDENT_PHASES = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
  'scheduled',
  'in_progress',
  'verifying',
  'completed',
  'unknown',
] as const;
export type IncidentPhase = (typeof INCIDENT_PHASES)[number];

export interface OfficialComponent {
  readonly id: string;
  readonly name: string;
  readonly severity: OfficialSeverity;
  readonly groupName?: string;
}

export interface OfficialIncident {
  readonly id: string;
  readonly title: string;
  readonly phase: IncidentPhase;
  readonly impact: OfficialSeverity;
  /** ISO-8601 with offset, as given upstream. */
  readonly startedAt?: string;
  readonly updatedAt?: string;
  readonly url?: string;
  readonly componentIds: readonly string[];
  readonly componentNames: readonly string[];
  /** The newest update's text (plain text, HTML stripped). */
  readonly lastMessage?: string;
  readonly isMaintenance: boolean;
}

export interface OfficialSnapshot {
  readonly source: string;
  readonly overall: OfficialSeverity;
  readonly components: readonly OfficialComponent[];
  /** Open (unresolved) incidents and in-progress maintenances only. */
  readonly incidents: readonly OfficialIncident[];
  readonly pageUpdatedAt?: string;
  /** Set when `overall` is `unknown` because the payload could not be used. */
  readonly problem?: string;
}
