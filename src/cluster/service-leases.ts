import type { HeldLeases } from '../db/postgres/cluster-store.js';
import type { Logger } from '../logging.js';
import type { LeaseGroup } from './cluster.js';

/** What the service leases need of the detection store. */
export interface ReloadableDetection {
  /** Writes what waits behind. */
  flush(): Promise<void>;
  /** Reads these services' stored state again into memory (`'*'`: every one); when each monitor was last checked. */
  reload(serviceIds: readonly string[] | '*'): Promise<ReadonlyMap<string, number>>;
}

/** What the service leases need of the engine. */
export interface RefreshableEngine {
  refreshService(serviceId: string): void;
}

/** A hand-over waits this long at most for the detection writes before giving the lease up. */
export const HAND_OVER_FLUSH_MS = 5_000;

async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Each service's detection has one owner (lease kind `service`). Taking a service over: what this
 * instance still had queued is written, the service's stored state is read again (the previous
 * owner wrote it: the same incidents continue, no second alert), then the engine applies its
 * results. Handing over: the engine stops applying them, then what is queued is written before the
 * lease is given up. Services owned elsewhere are read again when their owner says they changed,
 * so this instance's status replies follow.
 */
export class ServiceLeases implements LeaseGroup {
  readonly kind = 'service';
  private readonly owned = new Set<string>();
  /** Reloads run one at a time: a refresh of a foreign service never lands after its take-over. */
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly keys: () => readonly string[];
      readonly detection: ReloadableDetection;
      readonly engine: RefreshableEngine;
      /**
       * After a take-over: checks at once the services' monitors whose last check is an interval
       * old or more (their owner died), so no monitor waits a lease period plus an interval.
       */
      readonly checkOverdue: (
        serviceIds: readonly string[],
        lastChecked: ReadonlyMap<string, number>,
      ) => void;
      readonly log: Logger;
    },
  ) {}

  /** The engine's ownership test. */
  readonly owns = (serviceId: string): boolean => this.owned.has(serviceId);

  get count(): number {
    return this.owned.size;
  }

  keys(): readonly string[] {
    return this.deps.keys();
  }

  async acquired(leases: HeldLeases): Promise<void> {
    const ids = [...leases.keys()];
    await this.serially(async () => {
      const { detection, engine } = this.deps;
      await within(detection.flush(), HAND_OVER_FLUSH_MS);
      const lastChecked = await detection.reload(ids);
      for (const id of ids) {
        engine.refreshService(id);
        this.owned.add(id);
      }
      this.deps.checkOverdue(ids, lastChecked);
    });
    this.deps.log.info({ services: ids.length, owned: this.owned.size }, 'cluster: took services over');
  }

  async releasing(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.owned.delete(key);
    if (!(await within(this.deps.detection.flush(), HAND_OVER_FLUSH_MS)))
      this.deps.log.warn(
        { services: keys.length },
        'cluster: handing services over with detection writes pending',
      );
    this.forget(keys);
  }

  lost(keys: readonly string[]): void {
    for (const key of keys) this.owned.delete(key);
    this.forget(keys);
  }

  /**
   * The engine forgets what it saw of services it no longer checks (their latest outcomes and
   * failure runs): stale, they would hold its own-network guard's verdicts and every down
   * confirmation that waits for the peers to be seen again.
   */
  private forget(keys: readonly string[]): void {
    for (const key of keys) if (!this.owned.has(key)) this.deps.engine.refreshService(key);
  }

  /** Reads services owned elsewhere again (`'*'`: all of them) after their owner changed them. */
  async refreshForeign(serviceIds: readonly string[] | '*'): Promise<void> {
    await this.serially(async () => {
      const known = new Set(this.deps.keys());
      const ids = (serviceIds === '*' ? [...known] : serviceIds).filter(
        (id) => known.has(id) && !this.owned.has(id),
      );
      if (ids.length === 0) return;
      await this.deps.detection.reload(ids);
      for (const id of ids) if (!this.owned.has(id)) this.deps.engine.refreshService(id);
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.reloading.then(work);
    this.reloading = next.catch(() => undefined);
    return next;
  }
}
