import type { OutcomeFacts, OutcomeReason, State } from '../model.js';

export const CROWD_LEVELS = ['none', 'possible', 'detected'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];

/** Our probes measure; official sources state. They weigh differently (docs/design.md §3). */
export type MonitorRole = 'probe' | 'official';

/** One piece of evidence shown in an alert. Structured, so each language renders it itself. */
export type Evidence =
  | {
      readonly kind: 'probe';
      readonly monitorId: string;
      readonly target: string;
      readonly state: State;
      readonly reason: OutcomeReason;
      /** The probe's English line; alerts say `facts` in the chat's language (older rows have none). */
      readonly message: string;
      readonly facts?: OutcomeFacts;
    }
  | {
      readonly kind: 'official';
      readonly monitorId: string;
      readonly state: State;
      readonly lines: readonly string[];
    }
  | {
      /**
       * A monitor that keeps changing state (flapping): the service is unstable. Carries no state,
       * so the story stays the same while the monitor goes on flipping between up and down.
       */
      readonly kind: 'unstable';
      readonly monitorId: string;
      readonly target: string;
      /** Confirmed changes within the flap window when the service was last evaluated. */
      readonly changes: number;
      readonly windowMs: number;
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
  /** While flapping: its confirmed changes within `flapWindowMs`, for the `unstable` evidence. */
  readonly flapChanges?: number;
  readonly flapWindowMs?: number;
  readonly reason: OutcomeReason;
  readonly message: string;
  readonly facts?: OutcomeFacts;
  readonly evidence?: readonly string[];
  /** When the monitor entered its confirmed state (epoch ms); lets recovery be told from "always up". */
  readonly since?: number;
}

export interface CrowdView {
  readonly level: CrowdLevel;
  readonly reporters: number;
  readonly topProblem?: { readonly kind: string; readonly share: number };
  /** Start of the crowd alert in force (epoch ms); absent when the level is `none`. */
  readonly since?: number;
  /** The newest window is strong evidence on its own (many reporters, many chats). */
  readonly strong?: boolean;
}

export interface FusionInput {
  readonly monitors: readonly MonitorView[];
  /** Probes that must be down for the service to be down; default more than half. */
  readonly quorum?: number;
  readonly crowd?: CrowdView;
  /**
   * A maintenance window of the services file is in progress (src/core/detection/maintenance.ts):
   * the operator asked for silence, so it comes before everything else.
   */
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
 * | 1 | a maintenance window of the services file is in progress         | maintenance |
 * | 2 | an official source is down (major/critical outage)               | down        |
 * | 3 | an official source says maintenance                              | maintenance |
 * | 4 | at least `quorum` active probes down                             | down        |
 * | 5 | one probe down and the crowd detector at `detected`              | down        |
 * | 6 | a monitor down or degraded, crowd not `none`, or one flapping    | degraded    |
 * | 7 | monitors, none active, and no official or crowd evidence         | unknown     |
 * | 8 | otherwise                                                        | up          |
 *
 * A configured window wins even over an official outage: the operator declared the service out of
 * service for that time, and no alert may go out about it until the window ends (what is still
 * failing then is announced then). An official source's own maintenance does not hide its outage.
 *
 * Monitors in `unknown` are not active: they neither accuse nor clear. Flapping monitors are not
 * active either (their state of the moment counts for no quorum and clears nothing), but they are
 * evidence: a service whose monitor keeps going down and back up is unstable, shown as `degraded`
 * with `unstable` evidence. That evidence names no state, so the incident is told once and not on
 * every flip; once the monitor settles, its steady state counts again and the incident follows it.
 *
 * Recovery follows the probes. The crowd detector latches its alert until three quiet windows
 * have passed (a quarter of an hour), and people keep reporting for a while after a service is
 * back. So once no probe is down and a probe that failed has passed again since the crowd alert
 * began, the crowd counts only while its newest window is still strong evidence (then the
 * service is not really back: 4 Oct 2021, DNS back long before the apps). A crowd alert with no
 * probe recovering in it (a problem the probes cannot see) holds until the detector resolves it.
 */
export function fuseServiceStatus(input: FusionInput): ServiceVerdict {
  const active = input.monitors.filter((m) => !m.flapping && m.state !== 'unknown');
  const probes = active.filter((m) => m.role === 'probe');
  const officials = active.filter((m) => m.role === 'official');
  const probesDown = probes.filter((m) => m.state === 'down').length;
  const counted = crowdCounts(input.crowd, probes, probesDown) ? input.crowd : undefined;
  const crowd = counted?.level ?? 'none';
  const quorum = Math.max(1, input.quorum ?? defaultQuorum(probes.length));
  const flapping = input.monitors.filter((m) => m.flapping);
  const evidence = [...flapping.map(unstableEvidence), ...collectEvidence(active, counted)];

  const status = ((): State => {
    if (input.inMaintenanceWindow === true) return 'maintenance';
    if (officials.some((m) => m.state === 'down')) return 'down';
    if (officials.some((m) => m.state === 'maintenance')) return 'maintenance';
    if (probes.length > 0 && probesDown >= Math.min(quorum, probes.length)) return 'down';
    if (probesDown >= 1 && crowd === 'detected') return 'down';
    if (
      active.some((m) => m.state === 'down' || m.state === 'degraded') ||
      crowd !== 'none' ||
      flapping.length > 0
    )
      return 'degraded';
    // A service with no monitors at all (crowd reports only) is up while nobody complains.
    if (active.length === 0) return input.monitors.length === 0 ? 'up' : 'unknown';
    return 'up';
  })();
  return { status, evidence };
}

/** Whether a crowd alert still counts once the probes have recovered; see the note on recovery above. */
function crowdCounts(
  crowd: CrowdView | undefined,
  probes: readonly MonitorView[],
  probesDown: number,
): boolean {
  if (crowd === undefined || crowd.level === 'none') return false;
  if (probesDown > 0 || crowd.strong === true || crowd.since === undefined) return true;
  const alertStart = crowd.since;
  return !probes.some((m) => m.state === 'up' && m.since !== undefined && m.since >= alertStart);
}

const unstableEvidence = (m: MonitorView): Evidence => ({
  kind: 'unstable',
  monitorId: m.id,
  target: m.target,
  changes: m.flapChanges ?? 0,
  windowMs: m.flapWindowMs ?? 0,
});

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
        ...(m.facts === undefined ? {} : { facts: m.facts }),
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
