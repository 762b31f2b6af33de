import Fastify from 'fastify';
import type { Logger } from '../logging.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import type { PushRegistry } from '../monitors/probes/push-probe.js';
import type { InboundHttpRoute } from '../platforms/platform.js';
import { apiRoutes } from './routes/api-routes.js';
import { badgeRoutes } from './routes/badge-routes.js';
import { feedRoutes } from './routes/feed-routes.js';
import { inboundRoutes } from './routes/inbound-routes.js';
import { metricsRoute } from './routes/metrics-route.js';
import { pageRoutes } from './routes/page-routes.js';
import { pushRoute } from './routes/push-route.js';
import type { StatusPage } from './status-page.js';
import type { StatusView } from './status-view.js';

/** Optional parts of the HTTP surface; each adds its routes (one plugin) when given. */
export interface HttpExtras {
  readonly page?: StatusPage;
  /** `GET /metrics` in Prometheus text format. */
  readonly metrics?: Pick<AppMetrics, 'scrape'>;
  /** `GET|POST /push/:token` for push (heartbeat) monitors. */
  readonly pushes?: Pick<PushRegistry, 'ping'>;
  /** Routes the chat platforms add (`ChatPlatform.httpRoutes`, e.g. Telegram's webhook). */
  readonly inbound?: readonly InboundHttpRoute[];
}

/** Request bodies are never large here; anything bigger is refused before it is read. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP surface (docs/design.md §5): JSON API and health, badges and the incidents feed, plus the pages, metrics and pushes when
 * given, one Fastify plugin each (`./routes/`). Unknown routes and bad parameters get JSON errors
 * with a status code, never a stack trace: the handlers below are set on the root, so every
 * plugin's routes inherit them.
 */
export function createHttpServer(view: StatusView, log: Logger, extras: HttpExtras = {}) {
  // Request logs stay quiet: at 2,000 requests per second they would drown the alerts.
  const app = Fastify({
    loggerInstance: log.child({ component: 'http' }, { level: 'warn' }),
    bodyLimit: MAX_BODY_BYTES,
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status =
      err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ err }, 'http handler failed');
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ error: 'not found' });
  });

  void app.register(apiRoutes, { view });
  void app.register(badgeRoutes, { view });
  void app.register(feedRoutes, { view });
  if (extras.page) void app.register(pageRoutes, { page: extras.page });
  if (extras.metrics) void app.register(metricsRoute, { metrics: extras.metrics });
  if (extras.pushes) void app.register(pushRoute, { pushes: extras.pushes });
  if (extras.inbound?.length) void app.register(inboundRoutes, { routes: extras.inbound, log });
  return app;
}
