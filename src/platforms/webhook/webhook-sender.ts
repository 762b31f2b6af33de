import { Agent, type Dispatcher, request } from 'undici';
import type { ChatSender, DeliveryJob, DeliveryResult } from '../../core/delivery/ports.js';
import type { Clock } from '../../core/model.js';
import { toPlainLine, truncateText } from '../../core/i18n/text-fit.js';
import type { WebhookEndpoint } from './webhook-config.js';
import { deliveryIdOf, renderWebhookBody } from './webhook-payload.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.js';

export const WEBHOOK_PLATFORM = 'webhook' as const;

/** A 429 without a usable `Retry-After` waits this long. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;
/** A `Retry-After` further out than this is capped (a receiver's typo must not park alerts for days). */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;
/** Bytes of an error answer kept in the dead row's `last_error`. */
const ERROR_BODY_CHARS = 200;
const USER_AGENT = 'incident-alert-bot-webhook/1';

export interface WebhookSenderOptions {
  /** undici dispatcher; by default one keep-alive Agent shared by the endpoints. */
  readonly dispatcher?: Dispatcher;
}

/**
 * Delivers outbox jobs to the configured HTTP endpoints: one signed POST per job, no retry of its
 * own (the outbox worker retries with backoff, paced by WEBHOOK_PACING). Answers become results:
 *
 * | answer | result |
 * |---|---|
 * | 2xx | `sent`; the message id is the delivery id, which later updates and replies name |
 * | 429 | `rate-limited` for `Retry-After` (seconds or an HTTP date; 30 s without one, at most 1 h) |
 * | 5xx, 408, timeout, refused, reset | `transient`: retried with backoff |
 * | 410 Gone | `permanent`: the endpoint is deactivated until the next start |
 * | other 4xx, 3xx | `rejected`: this delivery is dead (status in `last_error`), the endpoint stays |
 *
 * Errors and logs name the endpoint and its origin only: never the URL's path or query (a Slack
 * or Mattermost hook URL carries its token there), never the secret.
 */
export class WebhookSender implements ChatSender {
  readonly platform = WEBHOOK_PLATFORM;
  private readonly endpoints: ReadonlyMap<string, WebhookEndpoint>;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(
    endpoints: readonly WebhookEndpoint[],
    private readonly clock: Clock,
    options: WebhookSenderOptions = {},
  ) {
    this.endpoints = new Map(endpoints.map((e) => [e.name, e]));
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: Math.max(...endpoints.map((e) => e.timeoutMs), 1000) },
        keepAliveTimeout: 30_000,
        connections: 4,
      });
  }

  async deliver(job: DeliveryJob, signal: AbortSignal): Promise<DeliveryResult> {
    const endpoint = this.endpoints.get(job.chatId);
    if (endpoint === undefined) return { kind: 'permanent', reason: 'webhook endpoint no longer configured' };
    const deliveryId = deliveryIdOf(endpoint.name, job);
    const body = JSON.stringify(renderWebhookBody(endpoint.format, endpoint.name, job, deliveryId));
    const timestamp = Math.floor(this.clock.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      [DELIVERY_HEADER]: deliveryId,
      [TIMESTAMP_HEADER]: String(timestamp),
      ...(endpoint.secret === null
        ? {}
        : { [SIGNATURE_HEADER]: signWebhook(endpoint.secret, timestamp, body) }),
    };
    const timeoutMs = endpoint.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const res = await request(endpoint.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: AbortSignal.any([signal, timeout]),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const answer = await readSome(res.body);
      const messageId =
        job.kind === 'edit' && job.editMessageId !== undefined ? job.editMessageId : deliveryId;
      return classifyAnswer(res.statusCode, res.headers, answer, this.clock.now(), messageId);
    } catch (err) {
      if (timeout.aborted && !signal.aborted)
        return { kind: 'transient', error: `no answer within ${timeoutMs} ms` };
      return { kind: 'transient', error: describeNetworkError(err) };
    }
  }

  /** Closes the connections (when the Agent is ours). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/** An HTTP answer as a delivery result (see the table on {@link WebhookSender}). */
export function classifyAnswer(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
  now: number,
  messageId: string,
): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'sent', messageId };
  const said = body.trim() === '' ? '' : `: ${truncateText(toPlainLine(body), ERROR_BODY_CHARS)}`;
  if (status === 429)
    return { kind: 'rate-limited', retryAfterMs: retryAfterMs(headerValue(headers['retry-after']), now) };
  if (status >= 500 || status === 408) return { kind: 'transient', error: `HTTP ${status}${said}` };
  if (status === 410) return { kind: 'permanent', reason: `HTTP 410 Gone${said}` };
  if (status >= 300 && status < 400)
    return { kind: 'rejected', reason: `HTTP ${status}: redirects are not followed${said}` };
  return { kind: 'rejected', reason: `HTTP ${status}${said}` };
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | undefined, now: number): number {
  if (value === undefined) return DEFAULT_RETRY_AFTER_MS;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_MS;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, ms));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Bytes of an answer read at most. A short body is read to its end, so the connection is kept
 * alive for the next delivery; a longer one is cut off (its connection closed), so a receiver
 * whose answer never ends cannot turn a delivered 2xx into a timeout and a redelivery.
 */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The start of the answer's body, for `last_error`. */
async function readSome(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (bytes < ERROR_BODY_CHARS * 4) chunks.push(buffer);
    bytes += buffer.length;
    if (bytes >= MAX_ANSWER_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks)
    .subarray(0, ERROR_BODY_CHARS * 4)
    .toString('utf8');
}

/** A network failure in words without the URL: `ECONNREFUSED`, `socket hang up`, … */
function describeNetworkError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : null;
  const name = err instanceof Error ? err.name : 'Error';
  // undici's messages name the address (`connect ECONNREFUSED 127.0.0.1:4000`), never the path.
  const message = typeof e.message === 'string' ? e.message : String(err);
  return truncateText(toPlainLine(code !== null ? `${code}: ${message}` : `${name}: ${message}`), 300);
}
