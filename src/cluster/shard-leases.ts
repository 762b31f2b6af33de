import type { HeldLeases } from '../db/postgres/cluster-store.js';
import type { Logger } from '../logging.js';
import type { ShardedChatPlatform } from '../platforms/platform.js';
import type { LeaseGroup } from './cluster.js';

/** The recommended shard count is asked again this often (it grows with the bot's servers). */
const RECOUNT_MS = 10 * 60_000;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * A sharded gateway's shards spread over the instances (lease kind `shard`, keys `<platform>:<id>`):
 * each shard is run by the instance holding its lease, which answers the commands of that shard's
 * servers. The shard count is the platform's recommendation, the same for every instance; when it
 * changes, every instance moves to the new count at its next round.
 */
export class ShardLeases implements LeaseGroup {
  readonly kind = 'shard';
  private count = 1;
  private readonly held = new Set<number>();
  private applying: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly platform: ShardedChatPlatform,
    private readonly log: Logger,
  ) {}

  /** Asks the recommended count now, then every ten minutes. */
  async init(): Promise<void> {
    await this.recount();
    this.timer = setInterval(() => void this.recount(), RECOUNT_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  keys(): readonly string[] {
    return Array.from({ length: this.count }, (_, i) => `${this.platform.name}:${i}`);
  }

  get shards(): readonly number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  acquired(leases: HeldLeases): Promise<void> {
    for (const key of leases.keys()) this.held.add(this.idOf(key));
    return this.apply();
  }

  releasing(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.held.delete(this.idOf(key));
    return this.apply();
  }

  lost(keys: readonly string[]): void {
    for (const key of keys) this.held.delete(this.idOf(key));
    void this.apply().catch(() => undefined);
  }

  private idOf(key: string): number {
    return Number(key.slice(key.lastIndexOf(':') + 1));
  }

  private async recount(): Promise<void> {
    try {
      const count = await this.platform.recommendedShardCount();
      if (count === this.count) return;
      this.log.info({ platform: this.platform.name, shards: count }, 'cluster: shard count changed');
      this.count = count;
      for (const id of [...this.held]) if (id >= count) this.held.delete(id);
      await this.apply();
    } catch (err) {
      this.log.warn({ err: errorText(err), platform: this.platform.name }, 'cluster: shard count not read');
    }
  }

  /** Runs exactly the shards held, at the current count; changes apply one at a time, in order. */
  private apply(): Promise<void> {
    const next = this.applying.then(async () => {
      const shards = this.shards.filter((id) => id < this.count);
      try {
        await this.platform.setShards(shards, this.count);
      } catch (err) {
        this.log.error({ err: errorText(err), shards }, 'cluster: shards not connected');
      }
    });
    this.applying = next;
    return next;
  }
}
