import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { LOCALES } from '../../core/i18n/index.js';
import { ATOM, FEED_ENTRIES, renderAtomFeed } from '../atom-feed.js';
import type { StatusView } from '../status-view.js';

/** `?service=<id>` for one service's incidents, `?lang=` for the words (English without it); nothing else. */
const feedQuerySchema = z.strictObject({
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .optional(),
  lang: z.enum(LOCALES).optional(),
});

/**
 * `GET /feed.atom`: the most recent incidents of every service the page shows, or of one with
 * `?service=<id>`, as Atom 1.0. Errors are JSON, as the API's.
 */
export const feedRoutes: FastifyPluginAsync<{ readonly view: StatusView }> = async (app, { view }) => {
  app.get('/feed.atom', async (request, reply) => {
    const parsed = feedQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'bad query',
        problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`),
      });
    }
    const { service: id, lang } = parsed.data;
    const def = id === undefined ? undefined : view.serviceDef(id);
    if (id !== undefined && !def) return reply.code(404).send({ error: `unknown service "${id}"` });
    const incidents = await view.incidents({
      limit: FEED_ENTRIES,
      ...(def ? { serviceIds: [def.id] } : {}),
    });
    const xml = renderAtomFeed({
      locale: lang ?? LOCALES[0],
      ...(def ? { service: { id: def.id, name: def.name } } : {}),
      incidents,
      now: view.clock.now(),
    });
    return reply.type(ATOM).header('cache-control', 'max-age=60').send(xml);
  });
};
