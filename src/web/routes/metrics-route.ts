import type { FastifyPluginAsync } from 'fastify';
import type { AppMetrics } from '../../metrics/app-metrics.js';

/** `GET /metrics` in the Prometheus text format. */
export const metricsRoute: FastifyPluginAsync<{ readonly metrics: Pick<AppMetrics, 'scrape'> }> = async (
  app,
  { metrics },
) => {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.scrape();
    return reply.type(contentType).send(body);
  });
};
