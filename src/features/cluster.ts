import { Cluster, type ClusterStatus } from '../cluster/cluster.js';
import type { ClusterSettings } from '../cluster/cluster-env.js';
import { PlatformLeases } from '../cluster/platform-leases.js';
import { ServiceLeases } from '../cluster/service-leases.js';
import { ShardLeases } from '../cluster/shard-leases.js';
import { isSharded } from '../platforms/platform.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import { CLUSTER_CHANNEL, ClusterStore } from '../db/postgres/cluster-store.js';
import { PgListener } from '../db/postgres/listener.js';
import {
  DETECTION_CHANNEL,
  OUTBOX_CHANNEL,
  type PostgresDetectionStore,
} from '../db/postgres/postgres-detection-store.js';
import type { Logger } from '../logging.js';
import type { ClusterFigures } from '../metrics/app-metrics.js';
import type { ClusterHealth } from '../web/api-schemas.js';
import type { Delivery } from './delivery.js';
import type { Feature } from './feature.js';
import type { OwnershipGate } from '../cluster/ownership-gate.js';
import type { PostgresStorage } from './postgres-storage.js';

/** Services owned elsewhere are read again this often even without a notification (one missed). */
const FOREIGN_REFRESH_MS = 30_000;

/**
 * Several instances on one PostgreSQL (docs/cluster.md): membership and leases (`Cluster`), each
 * service's detection owned by one instance (`ServiceLeases`, writes fenced by the lease), each
 * platform led by one (`PlatformLeases`: its outbox sent and its updates received there), and the
 * notifications that make the others react at once (LISTEN: membership changes, services changed
 * by their owner, outbox rows queued).
 */
export class ClusterFeature implements Feature {
  readonly cluster: Cluster;
  readonly services: ServiceLeases;
  readonly platforms: PlatformLeases;
  readonly shards: readonly ShardLeases[];
  private readonly listener: PgListener;
  private refresher: NodeJS.Timeout | null = null;

  constructor(
    settings: ClusterSettings,
    deps: {
      readonly storage: PostgresStorage;
      readonly engine: DetectionEngine;
      readonly gate: OwnershipGate;
      /** Every service that can be owned: the services file's and the chat monitors'. */
      readonly serviceIds: () => readonly string[];
      readonly delivery: Delivery;
      /** Checks at once the taken-over monitors whose last check is overdue (the scheduler's). */
      readonly checkOverdue: (
        serviceIds: readonly string[],
        lastChecked: ReadonlyMap<string, number>,
      ) => void;
      /** Chat monitors added or removed on another instance: read them again. */
      readonly resyncChatMonitors: () => Promise<void>;
      readonly log: Logger;
    },
  ) {
    const { storage, engine, log } = deps;
    const detection = storage.detection as PostgresDetectionStore;
    this.cluster = new Cluster(new ClusterStore(storage.pool), settings, { log });
    this.services = new ServiceLeases({
      keys: deps.serviceIds,
      detection,
      engine,
      checkOverdue: deps.checkOverdue,
      log,
    });
    this.platforms = new PlatformLeases(deps.delivery, log, Math.floor(settings.leaseMs / 3));
    deps.gate.attach(this.services);
    detection.fenceWith({
      owner: settings.instanceId,
      epochOf: (serviceId) => this.cluster.epochOf('service', serviceId),
    });
    this.shards = deps.delivery.platforms.filter(isSharded).map((p) => new ShardLeases(p, log));
    this.cluster.addGroup(this.services);
    this.cluster.addGroup(this.platforms);
    for (const group of this.shards) this.cluster.addGroup(group);
    this.listener = new PgListener(
      storage.url,
      [CLUSTER_CHANNEL, DETECTION_CHANNEL, OUTBOX_CHANNEL],
      (channel, payload) => {
        if (channel === CLUSTER_CHANNEL) {
          // A failed read (the database away, or the pool closed by a stop under way) waits for
          // the next notice or the periodic refresh.
          void deps
            .resyncChatMonitors()
            .catch((err: unknown) => log.warn({ err: String(err) }, 'chat monitors: resync failed'))
            .finally(() => this.cluster.nudge());
        } else if (channel === OUTBOX_CHANNEL) {
          deps.delivery.wake();
        } else if (channel === DETECTION_CHANNEL) {
          const ids = payload === '*' ? '*' : payload.split('\n').filter((id) => id !== '');
          void this.services
            .refreshForeign(ids)
            .catch((err: unknown) => log.warn({ err: String(err) }, 'refresh failed'));
        }
      },
      { log, onReconnect: () => this.cluster.nudge() },
    );
    this.refreshEvery(deps);
  }

  private refreshEvery(deps: {
    readonly resyncChatMonitors: () => Promise<void>;
    readonly log: Logger;
  }): void {
    this.refresh = async () => {
      await deps.resyncChatMonitors();
      await this.services.refreshForeign('*');
    };
  }

  private refresh: () => Promise<void> = async () => undefined;

  async start(): Promise<void> {
    for (const group of this.shards) await group.init();
    await this.listener.start();
    await this.cluster.start();
    this.refresher = setInterval(() => {
      void this.refresh().catch(() => undefined);
    }, FOREIGN_REFRESH_MS);
    this.refresher.unref();
  }

  async stop(): Promise<void> {
    if (this.refresher) clearInterval(this.refresher);
    for (const group of this.shards) group.close();
    await this.cluster.stop();
    await this.listener.close();
  }

  status(): ClusterStatus {
    return this.cluster.status();
  }

  /** `/healthz`'s cluster section. */
  health(): ClusterHealth {
    const s = this.cluster.status();
    return {
      instanceId: s.instanceId,
      vantage: s.vantage,
      ok: s.ok,
      members: s.members.map((m) => ({
        instanceId: m.instanceId,
        vantage: m.vantage,
        heartbeatAgeMs: m.ageMs,
      })),
      owned: {
        services: this.services.count,
        platforms: [...this.platforms.leading],
        shards: [...(s.held['shard'] ?? [])],
      },
      lagMs: s.lagMs,
      lastError: s.lastError,
    };
  }

  /** `/metrics`' cluster figures. */
  figures(): ClusterFigures {
    const s = this.cluster.status();
    const held: Record<string, number> = {};
    for (const [kind, keys] of Object.entries(s.held)) held[kind] = keys.length;
    return { ok: s.ok, members: s.members.length, held, leading: this.platforms.leading, lagMs: s.lagMs };
  }
}
