import type { HeldLeases } from '../db/postgres/cluster-store.js';
import type { Logger } from '../logging.js';
import type { LeaseGroup } from './cluster.js';

/** What leading a platform means: its outbox sent from here, and (Telegram) its updates received. */
export interface PlatformLeader {
  /** The platforms to lead, by name. */
  readonly platformNames: readonly string[];
  lead(platform: string): Promise<void>;
  unlead(platform: string): Promise<void>;
}

/**
 * One instance leads each platform (lease kind `platform`): it alone sends that platform's outbox,
 * so the fleet keeps to the platform's rate limits for the bot token as one budget, and (Telegram,
 * long polling) it alone calls getUpdates, which Telegram allows once per token. When it dies,
 * another takes the lease within a lease period and goes on from the outbox.
 */
export class PlatformLeases implements LeaseGroup {
  readonly kind = 'platform';
  private readonly led = new Set<string>();

  constructor(
    private readonly leader: PlatformLeader,
    private readonly log: Logger,
    /** A third of the lease period: sending stops after one missed round (see `fenceEarlyMs`). */
    readonly fenceEarlyMs = 0,
  ) {}

  keys(): readonly string[] {
    return this.leader.platformNames;
  }

  get leading(): readonly string[] {
    return [...this.led].sort();
  }

  async acquired(leases: HeldLeases): Promise<void> {
    for (const name of leases.keys()) {
      this.led.add(name);
      this.log.info({ platform: name }, 'cluster: leading the platform (sending its alerts)');
      await this.leader.lead(name);
    }
  }

  async releasing(keys: readonly string[]): Promise<void> {
    for (const name of keys) {
      this.led.delete(name);
      await this.leader.unlead(name);
    }
  }

  lost(keys: readonly string[]): void {
    for (const name of keys) {
      if (!this.led.delete(name)) continue;
      this.log.warn({ platform: name }, 'cluster: platform leadership lost; stopping its sending');
      void this.leader
        .unlead(name)
        .catch((err: unknown) =>
          this.log.error(
            { err: err instanceof Error ? err.message : String(err), platform: name },
            'unlead failed',
          ),
        );
    }
  }
}
