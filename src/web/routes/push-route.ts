import type { FastifyPluginAsync } from 'fastify';
import type { PushRegistry } from '../../monitors/probes/push-probe.js';

/**
 * A push may carry a body (a job's output); it is read and thrown away up to this size. A bigger
 * body is refused with 413 and the ping does not count.
 */
export const MAX_PUSH_BODY_BYTES = 16 * 1024;

/**
 * `GET|POST /push/:token` for push (heartbeat) monitors. Its own scope: any content type is
 * accepted and discarded, and the body cap is smaller than the server's.
 */
export const pushRoute: FastifyPluginAsync<{ readonly pushes: Pick<PushRegistry, 'ping'> }> = async (
  app,
  { pushes },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_PUSH_BODY_BYTES }, (_req, _body, done) =>
    done(null, null),
  );
  app.route<{ Params: { token: string } }>({
    method: ['GET', 'POST'],
    url: '/push/:token',
    bodyLimit: MAX_PUSH_BODY_BYTES,
    handler: async (request, reply) => {
      if (!pushes.ping(request.params.token)) return reply.code(404).send({ error: 'not found' });
      return reply.send({ ok: true });
    },
  });
};
