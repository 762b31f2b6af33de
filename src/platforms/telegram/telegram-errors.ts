import { TelegramError } from 'telegraf';
import type { DeliveryResult } from '../../core/delivery/ports.js';

/**
 * Telegram Bot API failures classified at the adapter's edge (README, Alerts and delivery).
 * Decisions rest on `error_code` and `parameters`; descriptions are only searched for the short,
 * stable fragments that tell two 400s apart (Telegram has no finer error codes).
 */

/** A 429 without `retry_after` (never seen, but the field is optional) waits this long. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;

/** 400 fragments that mean the chat itself cannot be reached: the chat is deactivated. */
const CHAT_GONE_400 = ['chat not found', 'have no rights to send', 'not enough rights to send'];
/** 400 fragments that mean the message to edit is gone or frozen: send a new one instead. */
const EDIT_TARGET_GONE = ['message to edit not found', "message can't be edited"];

function describe(err: unknown): { code: number; description: string } | null {
  if (!(err instanceof TelegramError)) return null;
  return { code: err.code, description: err.description.toLowerCase() };
}

/** `editMessageText` found nothing to change: the chat already shows this text. */
export function isNotModified(err: unknown): boolean {
  const e = describe(err);
  return e?.code === 400 && e.description.includes('message is not modified');
}

/** 400 fragments that mean a forum topic the message was sent to is gone: deleted, or closed. */
const THREAD_GONE_400 = ['message thread not found', 'topic_closed', 'topic_deleted'];

/**
 * The forum topic (`message_thread_id`) of a send is gone: 400 "Bad Request: message thread not
 * found" (deleted) or "Bad Request: TOPIC_CLOSED" (closed by an admin).
 */
export function isThreadGone(err: unknown): boolean {
  const e = describe(err);
  return e?.code === 400 && THREAD_GONE_400.some((f) => e.description.includes(f));
}

/** The message to edit was deleted (or is too old to edit). */
export function isEditTargetGone(err: unknown): boolean {
  const e = describe(err);
  return e?.code === 400 && EDIT_TARGET_GONE.some((f) => e.description.includes(f));
}

/**
 * A failed Bot API call as a delivery result:
 * - 429 → `rate-limited` for `parameters.retry_after` seconds;
 * - `parameters.migrate_to_chat_id` → `chat-moved` (a group upgraded to a supergroup);
 * - 403 (blocked, kicked, not a member) and 400 `chat not found` → `permanent` with Telegram's words;
 * - everything else (5xx, network, timeout, a 400 from a renderer bug) → `transient`: the outbox
 *   backs off and eventually gives the row up, but never deactivates a chat for a fault of ours.
 */
export function classifyTelegramError(err: unknown): Exclude<DeliveryResult, { kind: 'sent' }> {
  if (err instanceof TelegramError) {
    const params = err.parameters;
    if (err.code === 429) {
      const seconds = params?.retry_after;
      return {
        kind: 'rate-limited',
        retryAfterMs: typeof seconds === 'number' ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS,
      };
    }
    if (params?.migrate_to_chat_id !== undefined)
      return { kind: 'chat-moved', newChatId: String(params.migrate_to_chat_id) };
    const description = err.description.toLowerCase();
    if (err.code === 403) return { kind: 'permanent', reason: `Telegram 403: ${err.description}` };
    if (err.code === 400 && CHAT_GONE_400.some((f) => description.includes(f)))
      return { kind: 'permanent', reason: `Telegram 400: ${err.description}` };
    return { kind: 'transient', error: `Telegram ${err.code}: ${err.description}` };
  }
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { kind: 'transient', error: `${err.name}: ${err.message}${cause}` };
  }
  return { kind: 'transient', error: String(err) };
}

/**
 * Telegram puts the token in the URL (`/bot<token>/method`), and fetch errors quote the URL:
 * every error text that may be logged or stored goes through this first.
 */
export function redactToken(text: string, token: string): string {
  return token === '' ? text : text.split(token).join('<redacted>');
}
