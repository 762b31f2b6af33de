import type { Severity, State } from '../model.js';
import type { Evidence } from './service-status.js';

/** A new failure within this long after a resolution reopens the same incident. */
export const DEFAULT_REOPEN_COOLDOWN_MS = 10 * 60_000;
/**
 * An open incident whose service has been `unknown` this long with no evidence left (no monitor
 * accuses, no crowd) is resolved as no longer confirmed: monitors that only ever return raw
 * `unknown` must not keep it open for good.
 */
export const UNCONFIRMED_RESOLVE_MS = 30 * 60_000;

export interface IncidentView {
  readonly id: number;
  readonly severity: Severity;
  readonly startedAt: number;
  readonly resolvedAt: number | null;
  /**
   * When the incident was last reopened, if it was: the outage a recovery ends began then, not at
   * `startedAt` (the time between a resolution and the reopening the service was up).
   */
  readonly reopenedAt?: number | null;
  /** Fingerprint of the evidence last announced, to tell a real update from noise. */
  readonly evidenceKey: string;
}

export type IncidentDecision =
  | { readonly kind: 'open'; readonly severity: Severity; readonly startedAt: number }
  | { readonly kind: 'reopen'; readonly incidentId: number; readonly severity: Severity }
  | {
      readonly kind: 'update';
      readonly incidentId: number;
      readonly severity: Severity;
      readonly severityChanged: boolean;
    }
  | { readonly kind: 'resolve'; readonly incidentId: number; readonly durationMs: number }
  | { readonly kind: 'none' };

export const severityOf = (status: State): Severity | null =>
  status === 'down' ? 'major' : status === 'degraded' ? 'minor' : null;

/**
 * Decides what a service status change means for its incident. The test table:
 *
 * | status            | open incident | last resolved within cool-down | decision                     |
 * |-------------------|---------------|--------------------------------|------------------------------|
 * | down / degraded   | none          | no                             | open (major / minor)         |
 * | down / degraded   | none          | yes                            | reopen that incident         |
 * | down / degraded   | yes, same sev | -                              | update if evidence changed   |
 * | down / degraded   | yes, other    | -                              | update (severity changed)    |
 * | up                | yes           | -                              | resolve with duration        |
 * | unknown, no evid. | yes, 30 min   | -                              | resolve (no longer confirmed)|
 * | unknown / maint.  | any           | -                              | none: no verdict, no news    |
 *
 * The duration of a recovery is that of the outage it ends: since the incident opened, or since it
 * was last reopened (two 2-second blips five minutes apart are "back up after 2 seconds", not
 * after five minutes; the alert still shows when the incident first started).
 *
 * `maintenance` leaves an open incident open: it ends in a measured state (`up` resolves).
 * `unknown` comes only from monitors with no verdict yet (a service whose monitors were replaced),
 * and their first outcome usually decides; but monitors that only ever return raw `unknown` never
 * decide, so an incident left with no evidence at all (opened by the crowd, which has gone quiet)
 * resolves once the service has been `unknown` for `UNCONFIRMED_RESOLVE_MS` (`unknownSince`). A flapping monitor is not
 * `unknown`: its service is `degraded` with `unstable` evidence (see `fuseServiceStatus`).
 */
export function decideIncident(input: {
  readonly status: State;
  readonly evidence: readonly Evidence[];
  readonly open: IncidentView | null;
  readonly lastResolved: IncidentView | null;
  readonly at: number;
  readonly cooldownMs?: number;
  /** Since when the service has been `unknown` (its status's `since`), when it is. */
  readonly unknownSince?: number;
}): IncidentDecision {
  const { status, open, lastResolved, at } = input;
  const severity = severityOf(status);
  if (severity !== null) {
    if (open === null) {
      const cooldown = input.cooldownMs ?? DEFAULT_REOPEN_COOLDOWN_MS;
      if (lastResolved?.resolvedAt != null && at - lastResolved.resolvedAt < cooldown) {
        return { kind: 'reopen', incidentId: lastResolved.id, severity };
      }
      return { kind: 'open', severity, startedAt: at };
    }
    const severityChanged = open.severity !== severity;
    if (severityChanged || evidenceKey(input.evidence) !== open.evidenceKey) {
      return { kind: 'update', incidentId: open.id, severity, severityChanged };
    }
    return { kind: 'none' };
  }
  const unconfirmed =
    status === 'unknown' &&
    input.evidence.length === 0 &&
    input.unknownSince !== undefined &&
    at - input.unknownSince >= UNCONFIRMED_RESOLVE_MS;
  if ((status === 'up' || unconfirmed) && open !== null) {
    return { kind: 'resolve', incidentId: open.id, durationMs: at - (open.reopenedAt ?? open.startedAt) };
  }
  return { kind: 'none' };
}

/**
 * A stable fingerprint of what the evidence says, ignoring volatile details (latencies, counts),
 * so a message is edited when the story changes, not on every check.
 */
export function evidenceKey(evidence: readonly Evidence[]): string {
  return evidence
    .map((e) => {
      if (e.kind === 'probe') return `p:${e.monitorId}:${e.state}:${e.reason}`;
      if (e.kind === 'official') return `o:${e.monitorId}:${e.state}:${e.lines.join('|')}`;
      if (e.kind === 'unstable') return `u:${e.monitorId}`;
      return `c:${e.level}`;
    })
    .sort()
    .join(';');
}
