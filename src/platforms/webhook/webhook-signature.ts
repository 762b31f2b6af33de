/**
 * Request signing (docs/webhooks.md, "Verifying a request"): `X-Incident-Bot-Signature:
 * sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, keyed with the endpoint's secret, where the
 * timestamp is `X-Incident-Bot-Timestamp` (Unix seconds). Signing the timestamp with the body lets
 * a receiver refuse an old request replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-incident-bot-signature';
export const TIMESTAMP_HEADER = 'x-incident-bot-timestamp';
export const DELIVERY_HEADER = 'x-incident-bot-delivery';

/** How far a request's timestamp may be from the receiver's clock (the default of {@link verifyWebhookSignature}). */
export const DEFAULT_TOLERANCE_S = 300;

/** `sha256=<hex>` for a body sent at `timestampS`. */
export function signWebhook(secret: string, timestampS: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

export interface VerifyInput {
  readonly secret: string;
  /** The raw body, exactly as received (before any JSON parsing). */
  readonly body: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  /** The receiver's clock, Unix seconds. */
  readonly nowS: number;
  readonly toleranceS?: number;
}

/**
 * What a receiver does: recompute the HMAC over `<timestamp>.<body>`, compare in constant time,
 * and refuse a timestamp more than `toleranceS` away from its own clock. True only when all hold.
 */
export function verifyWebhookSignature(input: VerifyInput): boolean {
  const { signature, timestamp } = input;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(input.nowS - Number(timestamp)) > (input.toleranceS ?? DEFAULT_TOLERANCE_S)) return false;
  const expected = Buffer.from(signWebhook(input.secret, Number(timestamp), input.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
