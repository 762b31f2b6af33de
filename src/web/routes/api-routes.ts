import type { FastifyPluginAsync } from 'fastify';
import { incidentQuerySchema } from '../api-schemas.js';
import type { StatusView } from '../status-view.js';

/**
 * The JSON API and the health check: `GET /api/services`, `/api/services/:id`, `/api/incidents`
 * and `/healthz`. Always on.
 */
export const apiRoutes: FastifyPluginAsync<{ readonly view: StatusView }> = async (app, { view }) => {
  app.get('/api/services', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(view.serviceListJson()),
  );

  app.get<{ Params: { id: string } }>('/api/services/:id', async (request, reply) => {
    const detail = await view.serviceDetail(request.params.id);
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

  app.get('/healthz', async (_request, reply) => {
    const health = await view.health();
    return reply.code(health.ok ? 200 : 503).send(health);
  });
};
