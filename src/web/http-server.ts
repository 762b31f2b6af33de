import Fastify from 'fastify';
import type { Logger } from '../logging.js';
import { z } from 'zod';
import { LOCALES, type Locale, pickLocale } from '../core/i18n/index.js';
import { incidentQuerySchema } from './api-schemas.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import type { PushRegistry } from '../monitors/probes/push-probe.js';
import type { StatusPage } from './status-page.js';
import type { StatusView } from './status-view.js';

/** Query of the HTML pages: only the language; anything else is a 400. */
const pageQuerySchema = z.strictObject({ lang: z.enum(LOCALES).optional() });
const serviceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
const HTML = 'text/html; charset=utf-8';

/** Optional parts of the HTTP surface; each adds its routes when given. */
export interface HttpExtras {
  readonly page?: StatusPage;
  /** `GET /metrics` in Prometheus text format. */
  readonly metrics?: Pick<AppMetrics, 'scrape'>;
  /** `GET|POST /push/:token` for push (heartbeat) monitors. */
  readonly pushes?: Pick<PushRegistry, 'ping'>;
}

/**
 * A push may carry a body (a job's output); it is read and thrown away up to this size. A bigger
 * body is refused with 413 and the ping does not count.
 */
export const MAX_PUSH_BODY_BYTES = 16 * 1024;

/** Request bodies are never large here; anything bigger is refused before it is read. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP surface (docs/design.md §5): JSON API and health. Unknown routes and bad parameters get JSON
 * errors with a status code, never a stack trace.
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

  app.get('/api/services', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(view.serviceListJson()),
  );

  app.get<{ Params: { id: string } }>('/api/services/:id', async (request, reply) => {
    const detail = view.serviceDetail(request.params.id);
    if (!detail)
      return reply.code(404).send({ error: `unknown service "${request.params.id.slice(0, 64)}"` });
    return detail;
  });

  app.get('/api/incidents', async (request, reply) => {
    const parsed = incidentQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'bad query',
        problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`),
      });
    }
    const q = parsed.data;
    return view.incidents({
      limit: q.limit,
      ...(q.service !== undefined ? { serviceIds: [q.service] } : {}),
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.before !== undefined ? { before: Date.parse(q.before) } : {}),
    });
  });

  const page = extras.page;
  if (page) {
    /** The language of a page: `?lang=`, else the browser's first language we speak, else English. */
    const localeOf = (lang: Locale | undefined, acceptLanguage: string | undefined): Locale =>
      lang ?? pickLocale(acceptLanguage?.split(',')[0], 'en');

    app.get('/', async (request, reply) => {
      const query = pageQuerySchema.safeParse(request.query);
      if (!query.success) return reply.code(400).type(HTML).send(page.renderNotFound('en'));
      const html = page.index(localeOf(query.data.lang, request.headers['accept-language']));
      return reply.type(HTML).header('cache-control', 'no-cache').send(html);
    });

    app.get<{ Params: { id: string } }>('/services/:id', async (request, reply) => {
      const query = pageQuerySchema.safeParse(request.query);
      const locale = localeOf(query.data?.lang, request.headers['accept-language']);
      if (!query.success) return reply.code(400).type(HTML).send(page.renderNotFound(locale));
      const id = serviceIdSchema.safeParse(request.params.id);
      const html = id.success ? page.renderService(id.data, locale) : null;
      if (html === null) return reply.code(404).type(HTML).send(page.renderNotFound(locale));
      return reply.type(HTML).header('cache-control', 'no-cache').send(html);
    });
  }

  const metrics = extras.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.type(contentType).send(body);
    });
  }

  const pushes = extras.pushes;
  if (pushes) {
    // Its own scope: any content type is accepted and discarded, and the body cap is smaller.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: MAX_PUSH_BODY_BYTES },
        (_req, _body, done) => done(null, null),
      );
      scope.route<{ Params: { token: string } }>({
        method: ['GET', 'POST'],
        url: '/push/:token',
        bodyLimit: MAX_PUSH_BODY_BYTES,
        handler: async (request, reply) => {
          if (!pushes.ping(request.params.token)) return reply.code(404).send({ error: 'not found' });
          return reply.send({ ok: true });
        },
      });
    });
  }

  app.get('/healthz', async (_request, reply) => {
    const health = view.health();
    return reply.code(health.ok ? 200 : 503).send(health);
  });

  return app;
}
