import type { OutcomeReason, State } from '../model.js';

export const CROWD_LEVELS = ['none', 'possible', 'detected'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];

/** Our probes measure; official sources state. They weigh differently (DESIGN §3). */
export type MonitorRole = 'probe' | 'official';

/** One piece of evidence shown in an alert. Structured, so each language renders it itself. */
export type Evidence =
  | {
      readonly kind: 'probe';
      readonly monitorId: string;
      readonly target: string;
      readonly state: State;
      readonly reason: OutcomeReason;
      readonly message: string;
    }
  | {
      readonly kind: 'official';
      readonly monitorId: string;
      readonly state: State;
      readonly lines: readonly string[];
    }
  | {
      readonly kind: 'crowd';
      readonly level: CrowdLevel;
      readonly reporters: number;
      readonly topProblem?: { readonly kind: string; readonly share: number };
    };

export interface MonitorView {
  readonly id: string;
  readonly role: MonitorRole;
  readonly target: string;
  readonly state: State;
  readonly flapping: boolean;
  readonly reason: OutcomeReason;
  readonly message: string;
  readonly evidence?: readonly string[];
}

export interface CrowdView {
  readonly level: CrowdLevel;
  readonly reporters: number;
  readonly topProblem?: { readonly kind: string; readonly share: number };
}

export interface FusionInput {
  readonly monitors: readonly MonitorView[];
  /** Probes that must be down for the service to be down; default more than half. */
  readonly quorum?: number;
  readonly crowd?: CrowdView;
  /** A configured maintenance window is in progress. */
  readonly inMaintenanceWindow?: boolean;
}

export interface ServiceVerdict {
  readonly status: State;
  readonly evidence: readonly Evidence[];
}

export const defaultQuorum = (activeProbes: number): number => Math.floor(activeProbes / 2) + 1;

/**
 * Fuses a service's monitors and crowd signal into one status. The rules, in order (the test table):
 *
 * | # | condition                                                        | status      |
 * |---|------------------------------------------------------------------|-------------|
 * | 1 | an official source is down (major/critical outage)               | down        |
 * | 2 | official maintenance, or a configured maintenance window         | maintenance |
 * | 3 | at least `quorum` active probes down                             | down        |
 * | 4 | one probe down and the crowd detector at `detected`              | down        |
 * | 5 | any probe down or degraded, official degraded, crowd not `none`  | degraded    |
 * | 6 | no active probe and no official or crowd evidence                | unknown     |
 * | 7 | otherwise                                                        | up          |
 *
 * Flapping monitors and monitors in `unknown` are not active: they neither accuse nor clear.
 */
export function fuseServiceStatus(input: FusionInput): ServiceVerdict {
  const active = input.monitors.filter((m) => !m.flapping && m.state !== 'unknown');
  const probes = active.filter((m) => m.role === 'probe');
  const officials = active.filter((m) => m.role === 'official');
  const probesDown = probes.filter((m) => m.state === 'down').length;
  const crowd = input.crowd?.level ?? 'none';
  const quorum = Math.max(1, input.quorum ?? defaultQuorum(probes.length));
  const evidence = collectEvidence(active, input.crowd);

  const status = ((): State => {
    if (officials.some((m) => m.state === 'down')) return 'down';
    if (input.inMaintenanceWindow === true || officials.some((m) => m.state === 'maintenance'))
      return 'maintenance';
    if (probes.length > 0 && probesDown >= Math.min(quorum, probes.length)) return 'down';
    if (probesDown >= 1 && crowd === 'detected') return 'down';
    if (active.some((m) => m.state === 'down' || m.state === 'degraded') || crowd !== 'none')
      return 'degraded';
    if (active.length === 0) return 'unknown';
    return 'up';
  })();
  return { status, evidence };
}

function collectEvidence(active: readonly MonitorView[], crowd: CrowdView | undefined): Evidence[] {
  const evidence: Evidence[] = [];
  for (const m of active) {
    if (m.state === 'up') continue;
    if (m.role === 'official') {
      evidence.push({ kind: 'official', monitorId: m.id, state: m.state, lines: m.evidence ?? [m.message] });
    } else {
      evidence.push({
        kind: 'probe',
        monitorId: m.id,
        target: m.target,
        state: m.state,
        reason: m.reason,
        message: m.message,
      });
    }
  }
  if (crowd !== undefined && crowd.level !== 'none') {
    evidence.push({
      kind: 'crowd',
      level: crowd.level,
      reporters: crowd.reporters,
      ...(crowd.topProblem ? { topProblem: crowd.topProblem } : {}),
    });
  }
  return evidence;
}
