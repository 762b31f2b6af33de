import type { Evidence } from './detection/service-status.js';
import type { Severity, State } from './model.js';

export const INCIDENT_EVENT_KINDS = ['opened', 'reopened', 'updated', 'resolved'] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[number];

/** What happened to an incident: the platform-neutral input of every alert. */
export interface IncidentEvent {
  readonly kind: IncidentEventKind;
  readonly incidentId: number;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly group: string | null;
  readonly severity: Severity;
  readonly status: State;
  readonly startedAt: number;
  readonly at: number;
  /** Set on `resolved`: how long the outage lasted. */
  readonly durationMs?: number;
  /** Set on `resolved` by the store: the worst severity the incident reached (`severity` is the last). */
  readonly worstSeverity?: Severity;
  readonly evidence: readonly Evidence[];
}

/** Things only the operator is told about (console, logs), never the subscribed chats. */
export type OperatorEvent =
  | { readonly kind: 'vantage-lost'; readonly cause: string; readonly detail: string; readonly at: number }
  | { readonly kind: 'vantage-restored'; readonly at: number }
  | { readonly kind: 'monitor-flapping'; readonly monitorId: string; readonly at: number }
  | { readonly kind: 'monitor-settled'; readonly monitorId: string; readonly at: number };
