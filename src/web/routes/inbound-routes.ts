import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../logging.js';
import type { InboundHttpRoute } from '../../platforms/platform.js';

/**
 * The routes platforms add (`ChatPlatform.httpRoutes`, e.g. Telegram's webhook), one scope each:
 * the body is read raw whatever its content type, up to the route's own limit, and handed to the
 * platform, whose answer is sent as it is. A refused body (too big, unreadable) is logged here,
 * since the root error handler stays quiet about 4xx.
 */
export const inboundRoutes: FastifyPluginAsync<{
  readonly routes: readonly InboundHttpRoute[];
  readonly log: Logger;
}> = async (app, { routes, log }) => {
  for (const route of routes) {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: route.bodyLimit }, (_req, body, done) =>
        done(null, body),
      );
      scope.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
        const status =
          err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500
            ? err.statusCode
            : 500;
        if (status === 500) log.error({ err, path: route.path }, 'inbound route failed');
        else
          log.warn(
            { path: route.path, status, reason: err.message, bodyLimit: route.bodyLimit },
            'inbound request refused before its handler',
          );
        void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
      });
      scope.route({
        method: route.method,
        url: route.path,
        bodyLimit: route.bodyLimit,
        handler: async (request, reply) => {
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const answer = await route.handle({ headers: request.headers, body });
          void reply.code(answer.status);
          return answer.body === undefined ? reply.send() : reply.send(answer.body);
        },
      });
    });
  }
};
