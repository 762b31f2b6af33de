import type { AppConfig } from '../app-config.js';
import type { ServicesConfig } from '../config/services-file.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import type { Logger } from '../logging.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import type { PushRegistry } from '../monitors/probes/push-probe.js';
import type { ChatPlatform } from '../platforms/platform.js';
import { createHttpServer } from '../web/http-server.js';
import { StatusPage } from '../web/status-page.js';
import { type RuntimeServices, StatusView } from '../web/status-view.js';
import type { ClusterHealth } from '../web/api-schemas.js';
import type { Feature } from './feature.js';
import type { Storage } from './storage.js';

/**
 * The HTTP surface: the JSON API and `/healthz`, the status pages over the check history and crowd
 * reports, `/metrics`, the push monitors' `/push/:token` and the platforms' own routes (Telegram's
 * webhook). Listens before the platforms log in, so health can be asked while they do.
 */
export class Web implements Feature {
  private readonly http: ReturnType<typeof createHttpServer>;
  private address: string | null = null;

  constructor(
    private readonly config: AppConfig['http'],
    deps: {
      readonly services: ServicesConfig;
      readonly engine: DetectionEngine;
      readonly storage: Pick<Storage, 'queries' | 'health' | 'serviceHistory'> &
        Partial<Pick<Storage, 'notes'>>;
      /** When the scheduler last ticked, for `/healthz`. */
      readonly scheduler: { readonly lastTick: number | null };
      /** Whether each platform is connected, for `/healthz`; and the HTTP routes they add (webhooks). */
      readonly platforms: readonly ChatPlatform[];
      /** Monitors added from chat, on the page only if the operator made them public. */
      readonly chatServices: RuntimeServices;
      readonly metrics: AppMetrics;
      readonly pushes: PushRegistry;
      readonly clock: Clock;
      readonly log: Logger;
      /** Several instances: membership and leases for `/healthz` (absent when alone). */
      readonly cluster?: () => ClusterHealth | null;
    },
  ) {
    const { services, engine, storage, clock } = deps;
    const view = new StatusView(
      services,
      engine,
      storage.queries,
      clock,
      deps.scheduler,
      deps.platforms.map((p) => ({ name: p.name, isConnected: () => p.connected })),
      deps.chatServices,
      storage.health,
      deps.cluster,
      storage.serviceHistory,
      storage.notes,
    );
    this.http = createHttpServer(view, deps.log, {
      page: new StatusPage(view, storage.serviceHistory, clock),
      metrics: deps.metrics,
      pushes: deps.pushes,
      inbound: deps.platforms.flatMap((p) => p.httpRoutes ?? []),
    });
  }

  /** `http://host:port` the HTTP surface listens on (once started). */
  get url(): string {
    if (this.address === null) throw new Error('the HTTP server is not listening yet');
    return this.address;
  }

  async start(): Promise<void> {
    const { host } = this.config;
    await this.http.listen({ host, port: this.config.port });
    const address = this.http.server.address();
    const port = typeof address === 'object' && address ? address.port : this.config.port;
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async stop(): Promise<void> {
    await this.http.close();
  }
}
