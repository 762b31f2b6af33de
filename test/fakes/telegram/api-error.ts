/**
 * Bot API errors with Telegram's exact status codes and descriptions, so client code can be tested on
 * `error_code` and `parameters` (see docs/platforms.md §1.2 and
 * https://core.telegram.org/bots/api#making-requests).
 */
import type { BotApiResponse, ChatType } from './bot-api-types.js';

/** Optional `parameters` of a failed answer: https://core.telegram.org/bots/api#responseparameters */
export interface ErrorParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** A failed Bot API call; thrown by method handlers and turned into the JSON answer by the server. */
export class BotApiError extends Error {
  override readonly name = 'BotApiError';

  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ErrorParameters,
  ) {
    super(description);
  }

  /** The answer body, shaped as Telegram sends it. */
  toResponse(): BotApiResponse {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters === undefined ? {} : { parameters: this.parameters }),
    };
  }
}

/** 400 with `Bad Request: <detail>`. */
export function badRequest(detail: string, parameters?: ErrorParameters): BotApiError {
  return new BotApiError(400, `Bad Request: ${detail}`, parameters);
}

/** 403 with `Forbidden: <detail>`. */
export function forbidden(detail: string): BotApiError {
  return new BotApiError(403, `Forbidden: ${detail}`);
}

/** 401 for a token the fake does not know; the real API answers every method this way. */
export function unauthorized(): BotApiError {
  return new BotApiError(401, 'Unauthorized');
}

/** 404 for a method the fake (or Telegram) does not have. */
export function methodNotFound(): BotApiError {
  return new BotApiError(404, 'Not Found');
}

/** 429 with an integer `retry_after` in seconds, as https://core.telegram.org/bots/faq describes. */
export function tooManyRequests(retryAfterS: number): BotApiError {
  return new BotApiError(429, `Too Many Requests: retry after ${retryAfterS}`, {
    retry_after: retryAfterS,
  });
}

/** 409 sent to the older of two overlapping getUpdates calls; the newer one carries on. */
export function pollConflict(): BotApiError {
  return new BotApiError(
    409,
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  );
}

/** 400 for any use of a basic group's id after it became a supergroup. */
export function groupMigrated(newChatId: number): BotApiError {
  return badRequest('group chat was upgraded to a supergroup chat', {
    migrate_to_chat_id: newChatId,
  });
}

/** 400 `chat not found`: unknown id or username. */
export function chatNotFound(): BotApiError {
  return badRequest('chat not found');
}

/** 403 when the bot was removed by an admin (`kicked`) from a group-like chat. */
export function botKicked(type: ChatType): BotApiError {
  return forbidden(`bot was kicked from the ${type} chat`);
}

/** 403 when the bot left (or was never in) a group-like chat. */
export function botNotMember(type: ChatType): BotApiError {
  return forbidden(`bot is not a member of the ${type} chat`);
}

/** 409 for getUpdates while a webhook is set (telegram-bot-api Client::process_get_updates_query). */
export function webhookActiveConflict(): BotApiError {
  return new BotApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  );
}

/** 409 sent to a held getUpdates when setWebhook sets a webhook (Client::abort_long_poll). */
export function terminatedBySetWebhook(): BotApiError {
  return new BotApiError(409, 'Conflict: terminated by setWebhook request');
}
