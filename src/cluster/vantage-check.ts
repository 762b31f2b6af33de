/**
 * Votes between vantage points (docs/cluster.md, "Vantage points"): every instance checks a
 * `vantages: all` monitor from its own network and publishes the outcome; the instance that owns
 * the monitor's service reads every vantage point's latest row and hands its detection engine the
 * outcome the majority decides (src/core/detection/vantage-vote.ts). A vantage point that starts
 * seeing the monitor down alone is told to the operator once, and once more when it stops.
 */
import type { MonitorDef } from '../core/catalog.js';
import { fuseVotes } from '../core/detection/vantage-vote.js';
import type { VantageNotice } from '../core/events.js';
import type { Clock, ProbeOutcome } from '../core/model.js';
import type { VantageResultStore } from '../db/postgres/vantage-result-store.js';
import type { Logger } from '../logging.js';

/** Rows older than this do not vote: two intervals of the monitor plus 30 s. */
export function defaultFreshMs(monitor: Pick<MonitorDef, 'intervalMs'>): number {
  return 2 * monitor.intervalMs + 30_000;
}

export interface VantageCheckOptions {
  /** This instance's vantage point (`VANTAGE`). */
  readonly vantage: string;
  readonly store: VantageResultStore;
  /** Whether this instance runs the detection of the service now (the cluster's lease). */
  readonly owns: (serviceId: string) => boolean;
  /** How old another vantage point's row may be and still vote; default `defaultFreshMs`. */
  readonly freshMs?: (monitor: MonitorDef) => number;
  /** The operator notices (e.g. `engine.notifyOperator`, which reaches the console and the log). */
  readonly onNotice: (notice: VantageNotice) => void;
  readonly clock: Clock;
  readonly log?: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Publishes this vantage point's outcome of one check, then: on the service's owner, the outcome
 * its engine should count (fused from every fresh vote); elsewhere, null (the engine gets nothing).
 * Never rejects: when the database fails, the owner counts its own outcome alone, as a single
 * instance would, and the others drop theirs.
 */
export type VantageCheck = (
  monitor: MonitorDef,
  serviceId: string,
  outcome: ProbeOutcome,
) => Promise<ProbeOutcome | null>;

export function createVantageCheck(options: VantageCheckOptions): VantageCheck {
  const { vantage, store, owns, onNotice, clock, log } = options;
  const freshMs = options.freshMs ?? defaultFreshMs;
  /** Per monitor, the vantage points seeing it down alone, as last told to the operator. */
  const alone = new Map<string, ReadonlySet<string>>();
  let storeFailing = false;

  function tell(monitor: MonitorDef, serviceId: string, now: ReadonlySet<string>, vote: Vote): void {
    const before = alone.get(monitor.id) ?? new Set<string>();
    const at = clock.now();
    const notice = (kind: VantageNotice['kind'], who: string): void =>
      onNotice({ kind, vantage: who, serviceId, monitorId: monitor.id, at, down: vote.down, of: vote.of });
    for (const who of now) if (!before.has(who)) notice('vantage-disagrees', who);
    for (const who of before) if (!now.has(who)) notice('vantage-agrees', who);
    if (now.size === 0) alone.delete(monitor.id);
    else alone.set(monitor.id, now);
  }

  return async (monitor, serviceId, outcome) => {
    const owner = owns(serviceId);
    if (!owner) alone.delete(monitor.id); // a later owner starts from what it sees itself
    const at = clock.now();
    try {
      await store.publish(monitor.id, vantage, outcome, at);
      if (!owner) return null;
      const others = await store.latest(monitor.id);
      if (storeFailing) log?.info({ monitorId: monitor.id }, 'vantage votes readable again');
      storeFailing = false;
      const vote = fuseVotes({ own: { vantage, outcome }, others, at, freshMs: freshMs(monitor) });
      tell(monitor, serviceId, new Set(vote.dissenters), vote);
      return vote.outcome;
    } catch (err) {
      if (!storeFailing)
        log?.warn(
          { monitorId: monitor.id, err: (err as Error).message },
          'vantage votes unavailable: the owner counts its own checks alone',
        );
      storeFailing = true;
      return owner ? outcome : null;
    }
  };
}

interface Vote {
  readonly down: number;
  readonly of: number;
}
