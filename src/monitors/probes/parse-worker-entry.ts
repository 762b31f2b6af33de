/**
 * The worker thread of `parse-worker.ts`: parses one status response (or checks one HTTP body, or
 * reads a page `/watch` is about to add) per message, in order, and posts the result back.
 * `parseStatusNow` never throws for any body; should anything else throw, the error goes back as a
 * message and the thread lives on.
 */
import { parentPort } from 'node:worker_threads';
import { inspectStatusNow } from '../../sources/inspect-status.js';
import { digestStatusNow, parseStatusNow } from '../../sources/parse-status.js';
import { checkByteBody, type ParseReply, type ParseRequest } from './parse-worker.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker-entry runs only as a worker thread');

port.on('message', (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    if (request.kind === 'body-check') {
      reply = { id: request.id, result: checkByteBody(request.expect, request.body) };
    } else if (request.kind === 'inspect') {
      reply = { id: request.id, result: inspectStatusNow(request.response) };
    } else {
      const { response, format, digestOf } = request;
      const result =
        digestOf === undefined
          ? parseStatusNow(response, format)
          : digestStatusNow(response, format, digestOf.components);
      reply = { id: request.id, result };
    }
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
