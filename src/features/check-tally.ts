import type { ServicesConfig } from '../config/services-file.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { ProbeOutcome } from '../core/model.js';

/** What the checks did since the last summary line, for the console. */
export class CheckTally {
  private checks = 0;
  private down = 0;
  private skipped = 0;

  finished(outcome: Pick<ProbeOutcome, 'status'>): void {
    this.checks++;
    if (outcome.status === 'down') this.down++;
  }

  skip(): void {
    this.skipped++;
  }

  /**
   * The summary line of what ran since the last one (null when nothing ran), with how many services
   * are in each state now; the counts start again from zero.
   */
  takeLine(now: number, services: ServicesConfig, engine: DetectionEngine): string | null {
    if (this.checks === 0 && this.skipped === 0) return null;
    const line =
      `${new Date(now).toISOString().slice(0, 19)}Z  checks: ${this.checks} in the last minute ` +
      `(${this.down} failing${this.skipped ? `, ${this.skipped} skipped` : ''}); ` +
      `services: ${countStatuses(services, engine)}`;
    this.checks = this.down = this.skipped = 0;
    return line;
  }
}

function countStatuses(services: ServicesConfig, engine: DetectionEngine): string {
  const counts = new Map<string, number>();
  for (const s of services.services) {
    const status = engine.serviceState(s.id)?.status ?? 'unknown';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}
