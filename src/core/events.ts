import type { Evidence } from './detection/service-status.js';
import type { Severity, State } from './model.js';

export const INCIDENT_EVENT_KINDS = ['opened', 'reopened', 'updated', 'resolved'] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[number];

/** The marks a `/note` may carry (src/core/incident-notes.ts): the author's word only. */
export const NOTE_MARKS = ['identified', 'monitoring', 'resolved'] as const;
export type NoteMark = (typeof NOTE_MARKS)[number];

/** What a `/note` adds to an alert's `updated` event: every subscribed chat's alert shows it. */
export interface AlertNote {
  readonly authorName: string;
  readonly mark: NoteMark | null;
  readonly text: string;
}

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
  /** Set on an `updated` event a `/note` made: the note every subscribed chat's alert shows. */
  readonly note?: AlertNote;
}

/** Things only the operator is told about (console, logs), never the subscribed chats. */
export type OperatorEvent =
  | { readonly kind: 'vantage-lost'; readonly cause: string; readonly detail: string; readonly at: number }
  | { readonly kind: 'vantage-restored'; readonly at: number }
  | { readonly kind: 'monitor-flapping'; readonly monitorId: string; readonly at: number }
  | { readonly kind: 'monitor-settled'; readonly monitorId: string; readonly at: number }
  | VantageNotice;

/**
 * Votes between vantage points (docs/cluster.md): `vantage-disagrees` when one vantage point
 * starts seeing a monitor down while the majority does not (its own network's trouble, not an
 * outage), `vantage-agrees` when it stops (it sees the monitor as the others do again, or no
 * longer votes). Told once each way by the service's owner. `down` of `of` is the vote that
 * decided it.
 */
export interface VantageNotice {
  readonly kind: 'vantage-disagrees' | 'vantage-agrees';
  readonly vantage: string;
  readonly serviceId: string;
  readonly monitorId: string;
  readonly at: number;
  readonly down: number;
  readonly of: number;
}
