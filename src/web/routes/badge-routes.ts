import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  BADGE_MAX_AGE_S,
  type Badge,
  Badges,
  DEFAULT_BADGE_DAYS,
  SVG,
  badgeOf,
  unknownServiceBadge,
} from '../badges.js';
import { MAX_UPTIME_DAYS, type StatusView } from '../status-view.js';

const serviceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
/** Other query keys are ignored: READMEs add cache-busters (`?v=2`). */
const uptimeQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(MAX_UPTIME_DAYS).default(DEFAULT_BADGE_DAYS),
});

/**
 * SVG badges: `GET /badge/:id/status.svg` and `GET /badge/:id/uptime.svg?days=30`. Every answer is
 * an image, errors too (a grey badge saying what is wrong), so an embedded badge never shows a
 * broken picture without a reason: 404 for an unknown service, 400 for a bad `days`.
 */
export const badgeRoutes: FastifyPluginAsync<{ readonly view: StatusView }> = async (app, { view }) => {
  const badges = new Badges(view);
  const send = (reply: FastifyReply, badge: Badge) =>
    reply.code(badge.code).type(SVG).header('cache-control', `max-age=${BADGE_MAX_AGE_S}`).send(badge.svg);

  app.get<{ Params: { id: string } }>('/badge/:id/status.svg', async (request, reply) => {
    const id = serviceIdSchema.safeParse(request.params.id);
    return send(reply, id.success ? badges.status(id.data) : unknownServiceBadge());
  });

  app.get<{ Params: { id: string } }>('/badge/:id/uptime.svg', async (request, reply) => {
    const id = serviceIdSchema.safeParse(request.params.id);
    if (!id.success || !view.serviceDef(id.data)) return send(reply, unknownServiceBadge());
    const query = uptimeQuerySchema.safeParse(request.query);
    if (!query.success) {
      return send(reply, badgeOf(400, 'days', `must be a whole number from 1 to ${MAX_UPTIME_DAYS}`, 'red'));
    }
    return send(reply, await badges.uptime(id.data, query.data.days));
  });
};
