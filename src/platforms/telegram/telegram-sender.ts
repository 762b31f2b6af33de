import type { Telegram } from 'telegraf';
import { buildAlert, summariseIncidents } from '../../core/alert-message.js';
import type {
  BoardResult,
  BoardSender,
  ChatSender,
  DeliveryJob,
  DeliveryResult,
} from '../../core/delivery/ports.js';
import { messagesFor } from '../../core/i18n/index.js';
import {
  classifyTelegramError,
  isEditTargetGone,
  isNotModified,
  isThreadGone,
  redactToken,
} from './telegram-errors.js';
import { MAX_TELEGRAM_TEXT_CHARS, renderTelegramAlert, renderTelegramText } from './telegram-render.js';

/** What the sender needs of telegraf: the raw call, so every request can carry an AbortSignal. */
export type TelegramApi = Pick<Telegram, 'callApi'>;

/**
 * telegraf types its signal as the `abort-controller` polyfill's; node-fetch accepts Node's own
 * AbortSignal at run time (it checks the prototype's name), so only the type needs bridging.
 */
export function abortable(signal: AbortSignal): Parameters<TelegramApi['callApi']>[2] {
  return { signal } as unknown as Parameters<TelegramApi['callApi']>[2];
}

interface SentMessage {
  readonly message_id: number;
}

/**
 * Delivers outbox jobs as Telegram messages with `parse_mode: 'HTML'`. telegraf does not retry
 * sends on 429, and neither does this class: one job is one call (two when an edit target was
 * deleted or the forum topic is gone), and the outbox worker, paced by TELEGRAM_PACING, waits
 * out `retry_after`.
 *
 * A job with a `threadId` goes to that forum topic (`message_thread_id`). When Telegram answers
 * that the topic is gone (400 "message thread not found": deleted; "TOPIC_CLOSED": closed), the
 * message is sent once more without it, to the chat's General topic, and the result says
 * `threadGone` so the worker moves the topic's subscriptions to General (docs/telegram.md).
 *
 * - `send`: a new alert with the "I'm affected too" / "Mute 1h" buttons.
 * - `edit`: `editMessageText` on the opening alert; a deleted message gets a new one instead, and
 *   "message is not modified" counts as sent.
 * - `reply`: a new message replying to the alert (the recovery, so people are notified).
 * - `summary`: what was held during quiet hours or a mute, split under 4096 characters.
 * - a reminder (`reply` with `reminder`): "still down for 2 h 5 min" replying to the alert.
 *
 * Never throws: every failure becomes a {@link DeliveryResult}, with the token redacted.
 */
export class TelegramSender implements ChatSender {
  readonly platform = 'telegram' as const;
  readonly boards: BoardSender;

  constructor(
    private readonly api: TelegramApi,
    private readonly options: { readonly token: string; readonly statusPageUrl?: string },
  ) {
    this.boards = new TelegramBoards(api, options.token);
  }

  async deliver(job: DeliveryJob, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      try {
        return { kind: 'sent', messageId: await this.send(job, signal) };
      } catch (err) {
        if (job.threadId === undefined || !isThreadGone(err)) throw err;
        const { threadId: _gone, ...inGeneral } = job;
        return { kind: 'sent', messageId: await this.send(inGeneral, signal), threadGone: true };
      }
    } catch (err) {
      const result = classifyTelegramError(err);
      if (result.kind === 'transient')
        return { kind: 'transient', error: redactToken(result.error, this.options.token) };
      return result;
    }
  }

  private async send(job: DeliveryJob, signal: AbortSignal): Promise<string> {
    if (job.kind === 'summary') return this.sendSummary(job, signal);
    if (job.reminder !== undefined) return this.sendReminder(job, job.reminder.downForMs, signal);
    const alert = renderTelegramAlert(
      buildAlert(job.events, {
        locale: job.settings.locale,
        timeZone: job.settings.timeZone,
        ...(this.options.statusPageUrl === undefined ? {} : { statusPageUrl: this.options.statusPageUrl }),
      }),
    );
    const body = {
      ...threadOf(job),
      text: alert.text,
      parse_mode: alert.parseMode,
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: alert.replyMarkup.inline_keyboard.map((row) => [...row]) },
    };
    if (job.kind === 'edit' && job.editMessageId !== undefined) {
      const messageId = Number(job.editMessageId);
      try {
        const { message_thread_id: _thread, ...edit } = body;
        await this.api.callApi(
          'editMessageText',
          { chat_id: job.chatId, message_id: messageId, ...edit },
          abortable(signal),
        );
        return job.editMessageId;
      } catch (err) {
        if (isNotModified(err)) return job.editMessageId;
        // Someone deleted the alert: the update goes out as a new message rather than nowhere.
        if (!isEditTargetGone(err)) throw err;
      }
    }
    const reply =
      job.kind === 'reply' && job.replyToMessageId !== undefined
        ? // A deleted original must not fail the recovery: it is then sent without the reference.
          {
            reply_parameters: {
              message_id: Number(job.replyToMessageId),
              allow_sending_without_reply: true,
            },
          }
        : {};
    const sent = (await this.api.callApi(
      'sendMessage',
      { chat_id: job.chatId, ...body, ...reply },
      abortable(signal),
    )) as SentMessage;
    return String(sent.message_id);
  }

  /**
   * A still-down reminder: one line, escaped, replying to the alert (sent without the reference
   * when the alert was deleted), no buttons; it mentions nobody.
   */
  private async sendReminder(job: DeliveryJob, downForMs: number, signal: AbortSignal): Promise<string> {
    const event = job.events[0];
    if (!event) throw new Error('a reminder without its incident');
    const text = messagesFor(job.settings.locale).alert.stillDown({
      serviceName: event.serviceName,
      durationMs: downForMs,
    });
    const [chunk] = renderTelegramText(text);
    if (chunk === undefined) throw new Error('the reminder rendered empty');
    const reply =
      job.replyToMessageId === undefined
        ? {}
        : {
            reply_parameters: { message_id: Number(job.replyToMessageId), allow_sending_without_reply: true },
          };
    const sent = (await this.api.callApi(
      'sendMessage',
      {
        chat_id: job.chatId,
        ...threadOf(job),
        text: chunk,
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...reply,
      },
      abortable(signal),
    )) as SentMessage;
    return String(sent.message_id);
  }

  /** The summary may be long: its chunks go out in order; the last one is the reference kept. */
  private async sendSummary(job: DeliveryJob, signal: AbortSignal): Promise<string> {
    const m = messagesFor(job.settings.locale);
    const text = m.commands.quietHoursSummary({
      incidents: summariseIncidents(job.events),
      timeZone: job.settings.timeZone,
    });
    let last = '';
    for (const chunk of renderTelegramText(text)) {
      const sent = (await this.api.callApi(
        'sendMessage',
        { chat_id: job.chatId, ...threadOf(job), text: chunk, parse_mode: 'HTML' },
        abortable(signal),
      )) as SentMessage;
      last = String(sent.message_id);
    }
    if (last === '') throw new Error('the quiet-hours summary rendered empty');
    return last;
  }
}

/** `message_thread_id` of the job's forum topic, or nothing for the chat itself. */
function threadOf(job: DeliveryJob): { message_thread_id?: number } {
  return job.threadId === undefined ? {} : { message_thread_id: Number(job.threadId) };
}

/**
 * Live boards as Telegram messages: the board's plain text escaped for `parse_mode: 'HTML'` (mentions
 * broken), without buttons. An edit whose message is gone (400 "message to edit not found") is
 * `gone`; "message is not modified" counts as sent. Pinned with `pinChatMessage` without a
 * notification, a retired board unpinned with `unpinChatMessage` (that message only); a refusal
 * (no right to pin) is returned, never thrown.
 */
class TelegramBoards implements BoardSender {
  readonly maxChars = MAX_TELEGRAM_TEXT_CHARS;

  constructor(
    private readonly api: TelegramApi,
    private readonly token: string,
  ) {}

  post(chatId: string, threadId: string | null, text: string, signal: AbortSignal): Promise<BoardResult> {
    return this.call(async () => {
      const sent = (await this.api.callApi(
        'sendMessage',
        {
          chat_id: chatId,
          ...(threadId === null ? {} : { message_thread_id: Number(threadId) }),
          text: boardHtml(text),
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
        },
        abortable(signal),
      )) as SentMessage;
      return String(sent.message_id);
    });
  }

  edit(chatId: string, messageId: string, text: string, signal: AbortSignal): Promise<BoardResult> {
    return this.call(async () => {
      try {
        await this.api.callApi(
          'editMessageText',
          {
            chat_id: chatId,
            message_id: Number(messageId),
            text: boardHtml(text),
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
          },
          abortable(signal),
        );
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
      return messageId;
    });
  }

  async pin(chatId: string, messageId: string, signal: AbortSignal): Promise<string | null> {
    try {
      await this.api.callApi(
        'pinChatMessage',
        { chat_id: chatId, message_id: Number(messageId), disable_notification: true },
        abortable(signal),
      );
      return null;
    } catch (err) {
      return redactToken(err instanceof Error ? err.message : String(err), this.token);
    }
  }

  async unpin(chatId: string, messageId: string, signal: AbortSignal): Promise<string | null> {
    try {
      await this.api.callApi(
        'unpinChatMessage',
        { chat_id: chatId, message_id: Number(messageId) },
        abortable(signal),
      );
      return null;
    } catch (err) {
      return redactToken(err instanceof Error ? err.message : String(err), this.token);
    }
  }

  private async call(send: () => Promise<string>): Promise<BoardResult> {
    try {
      return { kind: 'sent', messageId: await send() };
    } catch (err) {
      if (isEditTargetGone(err)) return { kind: 'gone' };
      const result = classifyTelegramError(err);
      if (result.kind === 'transient')
        return { kind: 'transient', error: redactToken(result.error, this.token) };
      return result;
    }
  }
}

/** The board as one message: `renderBoard` already fits it under the limit, so only the first chunk is sent. */
function boardHtml(text: string): string {
  return renderTelegramText(text)[0] ?? '…';
}
